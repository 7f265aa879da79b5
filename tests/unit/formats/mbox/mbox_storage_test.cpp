// The mbox driver on the real Dovecot-written fixture and on its own writes.
#include <stdlib.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <sstream>

#include "formats/mbox/mbox_parser.hpp"
#include "formats/mbox/mbox_storage.hpp"
#include "lib/fsutil.hpp"

using namespace roost;

namespace {

std::string make_tmp() {
  char t[] = "/tmp/roost-mbox-test-XXXXXX";
  REQUIRE(::mkdtemp(t));
  return t;
}

std::unique_ptr<MboxStorage> storage_at(const std::string& root, const std::string& inbox) {
  MailLocation loc;
  loc.format = "mbox";
  loc.root = root;
  loc.inbox = inbox;
  StorageSettings s;
  s.fsync = false;
  return std::make_unique<MboxStorage>(loc, s);
}

std::string slurp(std::istream& in) {
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

uint32_t save(Mailbox& box, const std::string& msg, const std::string& flags = "") {
  auto t = box.begin();
  std::istringstream in(msg);
  SaveRequest req;
  req.flags = parse_flag_list(flags);
  uint32_t uid = t->save(in, req);
  t->commit();
  return uid;
}

}  // namespace

TEST_CASE("mbox reads the Dovecot 2.3 fixture", "[mbox]") {
  std::string dir = make_tmp();
  std::string src = std::string(ROOST_SOURCE_DIR) + "/fixtures/mbox/store";
  REQUIRE(std::system(("cp -r " + src + "/mail " + dir + "/ && chmod -R u+w " + dir).c_str()) == 0);
  auto st = storage_at(dir + "/mail", dir + "/mail/inbox");
  {
    auto box = st->open_mailbox("INBOX");
    const auto& ms = box->messages();
    REQUIRE(ms.size() == 3);
    CHECK(ms[0].uid == 1);
    CHECK(ms[0].guid == "38986c8cf7cad219c3418d891349d6d8");
    CHECK(format_flags(ms[0].flags) == "\\Seen \\Recent");
    CHECK(ms[1].uid == 3);
    CHECK(ms[1].guid == "4b3886481ddc6328f59480e098742b76");
    CHECK(format_flags(ms[1].flags) == "\\Answered \\Draft \\Recent $Label1 todo");
    CHECK(ms[2].uid == 4);
    CHECK(ms[2].guid == "9e94957ab960ba1667a701c368a608a7");
    CHECK(format_flags(ms[2].flags) == "\\Recent");
    auto status = box->status();
    CHECK(status.uidvalidity == 1795385549);
    CHECK(status.uidnext == 5);
    // The GUID doveadm mailbox status prints for this store (kept in
    // Dovecot's `mbox` index header), not one of Roost's own.
    CHECK(status.guid.hex() == "5abd8629cd68036bf963000083ecc375");
    CHECK(box->keywords() == std::vector<std::string>{"$Label1", "todo"});
    auto in = box->open_message(1);
    CHECK(slurp(*in) ==
          "From: Alice <alice@example.com>\nTo: u1@example.com\nSubject: message 1\n"
          "Date: Mon, 1 Jan 2024 00:00:01 +0000\nMessage-ID: <fixture-1@example.com>\n\n"
          "This is message 1.\n.a line starting with a dot\nFrom the start of a line\n");
  }
  auto child = st->open_mailbox("Sub/Child");
  REQUIRE(child->messages().size() == 1);
  CHECK(child->messages()[0].guid == "5d9061b281cd02acb3b5566b4e769ccb");
  CHECK(child->status().uidvalidity == 1795385550);
  CHECK(child->status().guid.hex() == "f006872ccd68036b0064000083ecc375");  // from the log only
  auto names = st->list_mailboxes();
  bool sub = false, childl = false;
  for (const auto& i : names) {
    if (i.name == "Sub") sub = !i.selectable && i.has_children;
    if (i.name == "Sub/Child") childl = i.selectable && i.subscribed;
  }
  CHECK(sub);
  CHECK(childl);
  CHECK(st->subscriptions() == std::vector<std::string>{"INBOX", "Sub/Child"});
  remove_tree(dir);
}

TEST_CASE("mbox save, flags, expunge and reopen", "[mbox]") {
  std::string dir = make_tmp();
  auto st = storage_at(dir + "/mail", dir + "/mail/inbox");
  st->create_mailbox("INBOX");
  st->create_mailbox("a/b");
  {
    auto box = st->open_mailbox("a/b");
    CHECK(save(*box, "Subject: one\n\nFrom the start\n") == 1);
    CHECK(save(*box, "Subject: two\n\nbody two\n", "\\Seen todo") == 2);
    CHECK(save(*box, "Subject: three\n\nbody three\n") == 3);
    auto t = box->begin();
    t->update_flags(1, FlagOp::kAdd, parse_flag_list("\\Flagged $Label1"));
    t->expunge(2);
    t->commit();
    const auto& ms = box->messages();
    REQUIRE(ms.size() == 2);
    CHECK(format_flags(ms[0].flags) == "\\Flagged \\Recent $Label1");
    CHECK(slurp(*box->open_message(3)) == "Subject: three\n\nbody three\n");
    CHECK(slurp(*box->open_message(1)) == "Subject: one\n\nFrom the start\n");
  }
  {
    auto box = st->open_mailbox("a/b");
    REQUIRE(box->messages().size() == 2);
    CHECK(box->messages()[1].uid == 3);
    CHECK(box->status().uidnext == 4);
    auto t = box->begin();
    t->expunge(1);
    t->expunge(3);
    t->commit();
    CHECK(box->messages().empty());
  }
  {
    // The pseudo message keeps the last UID: no reuse.
    auto box = st->open_mailbox("a/b");
    CHECK(box->status().uidnext == 4);
    CHECK(save(*box, "Subject: four\n\nx\n") == 4);
  }
  // An MTA appends a message without X-UID: it gets the next UID.
  {
    std::string f = dir + "/mail/a/b";
    std::string data = read_file(f);
    data += "From mta@example.com  Mon Jan 01 00:00:00 2024\nSubject: mta\n\nfrom mta\n\n";
    write_file_atomic(f, data);
    auto box = st->open_mailbox("a/b");
    REQUIRE(box->messages().size() == 2);
    CHECK(box->messages()[1].uid == 5);
    CHECK(slurp(*box->open_message(5)) == "Subject: mta\n\nfrom mta\n");
    auto scan = parse_mbox(read_file(f));
    CHECK_FALSE(scan.needs_rewrite);  // the UID was written into the file
  }
  st->rename_mailbox("a/b", "c");
  CHECK(st->mailbox_exists("c"));
  st->delete_mailbox("c");
  CHECK_FALSE(st->mailbox_exists("c"));
  remove_tree(dir);
}

// A writer killed while taking a dotlock leaves "<file>.lock.tmp.<pid>.<n>"
// next to the mbox files: never a mailbox (a sync would copy it and fail).
TEST_CASE("mbox: dotlock leftovers of a killed writer are not mailboxes", "[mbox]") {
  std::string dir = make_tmp();
  auto st = storage_at(dir + "/mail", dir + "/mail/inbox");
  st->create_mailbox("INBOX");
  st->create_mailbox("Work");
  write_file_atomic(dir + "/mail/inbox.lock.tmp.6191.0", "6191:host\n", 0600);
  write_file_atomic(dir + "/mail/Work.lock.tmp", "x", 0600);
  write_file_atomic(dir + "/mail/Work.lock", "1:host\n", 0600);
  write_file_atomic(dir + "/mail/notes.lock.tmp.v2", "From a@b Mon Jan  1 00:00:00 2024\n\nx\n",
                    0600);  // not Roost's pattern: a mailbox
  std::vector<std::string> names;
  for (const auto& i : st->list_mailboxes()) names.push_back(i.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"INBOX", "Work", "notes.lock.tmp.v2"});
  remove_tree(dir);
}
