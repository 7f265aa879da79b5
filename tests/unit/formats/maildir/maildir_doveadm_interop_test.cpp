// Round trips with the real Dovecot 2.3 doveadm (started in a sandbox; a
// Dovecot that can't start fails the test).
#include <catch2/catch.hpp>

#include <sstream>

#include "formats/model/flags.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"
#include "maildir_test_util.hpp"

using namespace roost;
using namespace roost::test;

namespace {
uint32_t save(Mailbox& box, const std::string& body, const std::string& flags = "") {
  auto t = box.begin();
  std::istringstream in(body);
  SaveRequest req;
  req.flags = parse_flag_list(flags);
  uint32_t uid = t->save(in, req);
  t->commit();
  return uid;
}

std::vector<std::string> sorted_lines(const std::string& s) {
  auto lines = split(s, '\n');
  std::erase_if(lines, [](const std::string& l) { return l.empty(); });
  std::sort(lines.begin(), lines.end());
  return lines;
}
}  // namespace

TEST_CASE("maildir: a store Roost writes reads the same in real doveadm",
          "[maildir][interop][dovecot]") {
  DovecotSandbox dc;
  std::string guid_a, guid_b;
  std::string expected = "mailbox\tuid\tguid\tflags\n";
  {
    auto st = open_maildir(dc.maildir(), '/');
    auto inbox = st->open_mailbox("INBOX");
    save(*inbox, "Subject: one\n\nx\n", "\\Seen");
    save(*inbox, "Subject: two\n\nx\n", "\\Flagged $Label1 todo");
    save(*inbox, "Subject: three\n\nx\n");
    {
      // A GUID given by dsync is kept (dovecot-uidlist G extension).
      auto t = inbox->begin();
      std::istringstream in("Subject: four\n\nx\n");
      SaveRequest req;
      req.guid = "0123456789abcdef0123456789abcdef";
      req.pop3_uidl = "uidl-4";
      CHECK(t->save(in, req) == 4);
      t->commit();
    }
    {
      auto t = inbox->begin();
      t->expunge(1);
      t->update_flags(3, FlagOp::kAdd, parse_flag_list("\\Answered todo"));
      t->commit();
    }
    st->create_mailbox("Entwürfe");
    st->create_mailbox("Sub/Child");
    auto drafts = st->open_mailbox("Entwürfe");
    save(*drafts, "Subject: draft\n\nx\n", "\\Draft");
    st->set_subscribed("Entwürfe", true);
    for (const auto& m : inbox->messages())
      expected += "INBOX\t" + std::to_string(m.uid) + "\t" + m.guid + "\t" +
                  format_flags(m.flags) + "\n";
    for (const auto& m : drafts->messages())
      expected += "Entwürfe\t" + std::to_string(m.uid) + "\t" + m.guid + "\t" +
                  format_flags(m.flags) + "\n";
  }
  std::string out = dc.doveadm("-f tab fetch -u u1 'mailbox uid guid flags' all");
  CHECK(sorted_lines(out) == sorted_lines(expected));
  CHECK(out.find("INBOX\t2\t") != std::string::npos);
  CHECK(out.find("\\Answered \\Recent todo") != std::string::npos);
  CHECK(out.find("INBOX\t4\t0123456789abcdef0123456789abcdef\t") != std::string::npos);
  std::string uidl = dc.doveadm("-f tab fetch -u u1 'pop3.uidl' mailbox INBOX uid 4");
  CHECK(uidl.find("uidl-4") != std::string::npos);
  std::string list = dc.doveadm("mailbox list -u u1");
  CHECK(sorted_lines(list) == std::vector<std::string>{"Entwürfe", "INBOX", "Sub", "Sub/Child"});
  std::string subs = dc.doveadm("mailbox list -s -u u1");
  CHECK(trim(subs) == "Entwürfe");
  std::string status = dc.doveadm("-f tab mailbox status -u u1 'uidnext messages' INBOX");
  CHECK(sorted_lines(status) == std::vector<std::string>{"INBOX\t3\t5", "mailbox\tmessages\tuidnext"});
}

TEST_CASE("maildir: what real doveadm writes reads the same in Roost",
          "[maildir][interop][dovecot]") {
  DovecotSandbox dc;
  dc.doveadm("mailbox create -u u1 Entwürfe Sub/Child");
  for (int i = 1; i <= 3; ++i)
    dc.doveadm("save -u u1", "Subject: m" + std::to_string(i) + "\n\nbody\n");
  dc.doveadm("save -u u1 -m Entwürfe", "Subject: d\n\nbody\n");
  dc.doveadm("flags add -u u1 '\\Seen $Label1' mailbox INBOX uid 1");
  dc.doveadm("flags add -u u1 '\\Flagged todo' mailbox INBOX uid 3");
  dc.doveadm("expunge -u u1 mailbox INBOX uid 2");
  dc.doveadm("mailbox subscribe -u u1 Sub/Child");
  std::string out = dc.doveadm("-f tab fetch -u u1 'mailbox uid guid flags' all");

  auto st = open_maildir(dc.maildir(), '/');
  std::string mine = "mailbox\tuid\tguid\tflags\n";
  for (const auto& info : st->list_mailboxes()) {
    if (!info.selectable) continue;
    auto box = st->open_mailbox(info.name);
    for (const auto& m : box->messages())
      mine += info.name + "\t" + std::to_string(m.uid) + "\t" + m.guid + "\t" +
              format_flags(m.flags) + "\n";
  }
  CHECK(sorted_lines(mine) == sorted_lines(out));
  CHECK(st->subscriptions() == std::vector<std::string>{"Sub/Child"});
  auto inbox = st->open_mailbox("INBOX");
  CHECK(inbox->status().uidnext == 4);
  // Roost continues the same UID sequence and Dovecot sees it.
  CHECK(save(*inbox, "Subject: roost\n\nx\n", "\\Seen") == 4);
  std::string after = dc.doveadm("-f tab fetch -u u1 'uid flags' mailbox INBOX all");
  CHECK(after.find("4\t\\Seen") != std::string::npos);
  // And Dovecot's next save after ours doesn't reuse a UID.
  dc.doveadm("save -u u1", "Subject: dovecot again\n\nx\n");
  inbox->sync();
  CHECK(inbox->messages().back().uid == 5);
}

TEST_CASE("maildir: LAYOUT=fs stores agree between Roost and doveadm",
          "[maildir][interop][dovecot]") {
  DovecotSandbox dc(":LAYOUT=fs");
  dc.doveadm("mailbox create -u u1 Archiv/2024");
  dc.doveadm("save -u u1 -m Archiv/2024", "Subject: old\n\nx\n");
  std::string guid_roost;
  {
    auto st = open_maildir(dc.maildir(), '/', "fs");
    std::vector<std::string> names;
    for (const auto& b : st->list_mailboxes()) names.push_back(b.name + (b.selectable ? "" : "!"));
    // Dovecot's fs layout creates the parent as a plain directory.
    CHECK(names == std::vector<std::string>{"INBOX", "Archiv!", "Archiv/2024"});
    CHECK(st->open_mailbox("Archiv/2024")->messages().size() == 1);
    st->create_mailbox("Entwürfe/Alt");
    auto box = st->open_mailbox("Entwürfe/Alt");
    save(*box, "Subject: new\n\nx\n", "\\Seen");
    guid_roost = box->messages()[0].guid;
  }
  std::string out = dc.doveadm("-f tab fetch -u u1 'mailbox uid guid flags' all");
  CHECK(out.find("Entwürfe/Alt\t1\t" + guid_roost + "\t\\Seen\n") != std::string::npos);
  CHECK(out.find("Archiv/2024\t1\t") != std::string::npos);
}
