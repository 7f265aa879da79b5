// Reads the Maildir++ store written by the real Dovecot 2.3.19 and checks
// what `doveadm fetch` printed for it (fixtures/maildir/dovecot-2.3/expected.tsv).
#include <catch2/catch.hpp>

#include <sstream>

#include "formats/model/flags.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"
#include "maildir_test_util.hpp"

using namespace roost;
using namespace roost::test;

namespace {
// "mailbox\tuid\tguid\tflags" lines like doveadm -f tab fetch prints them.
std::string fetch_all(MailStorage& st) {
  std::string out = "mailbox\tuid\tguid\tflags\n";
  for (const auto& info : st.list_mailboxes()) {
    if (!info.selectable) continue;
    auto box = st.open_mailbox(info.name);
    for (const auto& m : box->messages())
      out += info.name + "\t" + std::to_string(m.uid) + "\t" + m.guid + "\t" +
             format_flags(m.flags) + "\n";
  }
  return out;
}

std::vector<std::string> sorted_lines(const std::string& s) {
  auto lines = split(s, '\n');
  std::erase_if(lines, [](const std::string& l) { return l.empty(); });
  std::sort(lines.begin(), lines.end());
  return lines;
}
}  // namespace

TEST_CASE("maildir: Dovecot 2.3 fixture reads as doveadm fetch shows it", "[maildir][interop]") {
  TempDir t;
  std::string root = t.path + "/Maildir";
  copy_dovecot_fixture(root);
  auto st = open_maildir(root, '/');
  auto boxes = st->list_mailboxes();
  std::vector<std::string> names;
  for (const auto& b : boxes) names.push_back(b.name + (b.selectable ? "" : "(noselect)"));
  CHECK(names == std::vector<std::string>{"INBOX", "Sub", "Sub/Child"});
  CHECK(boxes[1].has_children);
  CHECK(boxes[0].subscribed);
  CHECK(boxes[2].subscribed);
  CHECK_FALSE(boxes[1].subscribed);
  CHECK(st->subscriptions() == std::vector<std::string>{"INBOX", "Sub/Child"});

  auto expected = read_file(std::string(ROOST_SOURCE_DIR) + "/fixtures/maildir/dovecot-2.3/expected.tsv");
  CHECK(sorted_lines(fetch_all(*st)) == sorted_lines(expected));

  auto inbox = st->open_mailbox("INBOX");
  auto status = inbox->status();
  CHECK(status.uidvalidity == 1795385548u);
  CHECK(status.uidnext == 5u);
  CHECK(status.guid.hex() == "dfd76a2ecc68036b8063000083ecc375");
  CHECK(status.messages == 3u);
  CHECK(status.recent == 3u);
  CHECK(status.unseen == 2u);
  CHECK(status.vsize == 3 * 225u);
  const auto& msgs = inbox->messages();
  CHECK(msgs[1].flags.keywords == std::vector<std::string>{"$Label1", "todo"});
  CHECK(msgs[0].physical_size == 216u);
  auto in = inbox->open_message(3);
  std::stringstream body;
  body << in->rdbuf();
  CHECK(body.str().find("Subject: message 3") != std::string::npos);
  CHECK(body.str().size() == 216u);
  // Reading must not have touched Dovecot's files.
  CHECK(read_file(root + "/dovecot-uidlist") ==
        read_file(std::string(ROOST_SOURCE_DIR) +
                  "/fixtures/maildir/dovecot-2.3/store/Maildir/dovecot-uidlist"));
  CHECK(path_exists(root + "/new/1795385548.M810023P25477.vm,S=216,W=225:2,DRab"));
}
