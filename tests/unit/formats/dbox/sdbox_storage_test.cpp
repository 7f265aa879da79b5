// The sdbox driver: Dovecot's fixture read through the model, and Roost's
// own saves, flags, expunges, mailbox operations, ALT storage, damaged
// files and force-resync.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "formats/dbox/dbox_file_reader.hpp"
#include "formats/dbox/sdbox_storage.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "lib/compress/save_compression.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/formats/dbox/dbox_test_util.hpp"

using namespace roost;
using namespace roost::dbox_test;

namespace {
const std::string kMsg = "From: a@example.com\nSubject: hello\n\nbody line\n";

void copy_fixture(const std::string& to) {
  std::string src = std::string(ROOST_SOURCE_DIR) + "/fixtures/dbox/sdbox/store";
  REQUIRE(std::system(("cp -r " + src + "/. " + to + "/ && chmod -R u+w " + to).c_str()) == 0);
}

std::string mail_dir(const std::string& root, const std::string& box) {
  return root + "/mailboxes/" + box + "/dbox-Mails";
}
}  // namespace

TEST_CASE("sdbox reads Dovecot's store: UIDs, GUIDs, flags, ALT", "[sdbox]") {
  TempDir t;
  copy_fixture(t.path);
  auto st = open_sdbox(t.path + "/sdbox", t.path + "/sdbox-alt");
  auto box = st->open_mailbox("INBOX");
  const auto& ms = box->messages();
  REQUIRE(ms.size() == 3);
  CHECK(ms[0].uid == 1);
  CHECK(ms[0].guid == "91529d01cd68036b9d63000083ecc375");
  CHECK(format_flags(ms[0].flags) == "\\Seen \\Recent");
  CHECK(ms[1].uid == 3);
  CHECK(format_flags(ms[1].flags) == "\\Answered \\Draft \\Recent $Label1 todo");
  CHECK(ms[2].uid == 4);  // in ALT storage
  CHECK(ms[2].guid == "d6040d04cd68036ba363000083ecc375");
  CHECK(format_flags(ms[2].flags) == "\\Recent");
  CHECK(ms[0].virtual_size == 225);
  CHECK(ms[0].physical_size == 216);
  CHECK(ms[0].received_date == 0x6b0368cd);
  CHECK(slurp(*box->open_message(4)).find("This is message 4.") != std::string::npos);
  auto s = box->status();
  CHECK(s.uidvalidity == 1795385549u);
  CHECK(s.uidnext == 5);
  CHECK(s.messages == 3);
  auto kws = box->keywords();
  CHECK(std::find(kws.begin(), kws.end(), "todo") != kws.end());
  auto child = st->open_mailbox("Sub/Child");
  REQUIRE(child->messages().size() == 1);
  CHECK(child->messages()[0].guid == "9ce67805cd68036ba663000083ecc375");
  CHECK(child->status().uidvalidity == 1795385551u);
  auto list = st->list_mailboxes();
  REQUIRE(list.size() == 3);
  CHECK(list[0].name == "INBOX");
  CHECK(list[1].name == "Sub");
  CHECK(list[1].has_children);
  CHECK(list[2].name == "Sub/Child");
  CHECK(list[2].subscribed);
  // Without ALT configured, u.4 is not found (it only lives in ALT).
  auto no_alt = open_sdbox(t.path + "/sdbox");
  CHECK(no_alt->open_mailbox("INBOX")->messages().size() == 2);
}

TEST_CASE("sdbox saves what Dovecot would write and reads it back", "[sdbox]") {
  TempDir t;
  auto st = open_sdbox(t.path + "/root");
  auto box = st->open_mailbox("INBOX");
  CHECK(save_one(*box, kMsg, "\\Seen kw1") == 1);
  CHECK(save_one(*box, kMsg + "more\n") == 2);
  std::string u1 = mail_dir(t.path + "/root", "INBOX") + "/u.1";
  REQUIRE(path_exists(u1));
  auto r = DboxFileReader::open(u1);
  auto m = r->next();
  REQUIRE(m);
  CHECK(m->body_size == kMsg.size());
  CHECK(m->metadata.virtual_size() == kMsg.size() + 4);
  CHECK(m->metadata.guid().size() == 32);
  CHECK(m->metadata.received_time());
  CHECK(!m->metadata.orig_mailbox());
  CHECK(m->metadata.fields.size() == 3);  // R V G, as Dovecot's sdbox writes
  CHECK(path_exists(t.path + "/root/dovecot-uidvalidity"));

  auto again = open_sdbox(t.path + "/root")->open_mailbox("INBOX");
  const auto& ms = again->messages();
  REQUIRE(ms.size() == 2);
  CHECK(format_flags(ms[0].flags) == "\\Seen \\Recent kw1");
  CHECK(ms[0].guid == m->metadata.guid());
  CHECK(slurp(*again->open_message(1)) == kMsg);
  CHECK(again->read_header(2) == "From: a@example.com\nSubject: hello\n\n");

  auto tx = again->begin();
  tx->update_flags(2, FlagOp::kAdd, parse_flag_list("\\Flagged"));
  tx->expunge(1);
  tx->commit();
  CHECK(!path_exists(u1));
  auto third = open_sdbox(t.path + "/root")->open_mailbox("INBOX");
  REQUIRE(third->messages().size() == 1);
  CHECK(format_flags(third->messages()[0].flags) == "\\Flagged \\Recent");
  CHECK(third->status().uidnext == 3);
  CHECK(third->expunged_since(0).size() == 1);
  // A UID is never given twice, even when the highest one was expunged.
  auto tx2 = third->begin();
  tx2->expunge(2);
  tx2->commit();
  CHECK(save_one(*open_sdbox(t.path + "/root")->open_mailbox("INBOX"), kMsg) == 3);
}

TEST_CASE("sdbox mailbox create, list, rename, delete, subscriptions", "[sdbox]") {
  TempDir t;
  std::string root = t.path + "/root";
  auto st = open_sdbox(root, t.path + "/alt");
  st->create_mailbox("a/b");
  st->create_mailbox("Ünïcode");
  CHECK(is_dir(mail_dir(root, "a/b")));
  CHECK(is_dir(mail_dir(root, "&ANw-n&AO8-code")));
  CHECK(!is_dir(mail_dir(root, "a")));
  CHECK_THROWS_AS(st->create_mailbox("a/b"), Error);
  CHECK_THROWS_AS(st->create_mailbox("x/dbox-Mails"), Error);
  auto list = st->list_mailboxes();
  REQUIRE(list.size() == 4);
  CHECK(list[1].name == "a");
  CHECK(!list[1].selectable);
  CHECK(list[3].name == "Ünïcode");
  save_one(*st->open_mailbox("a/b"), kMsg);
  st->set_subscribed("a/b", true);
  CHECK(read_file(root + "/subscriptions") == "V\t2\n\na\tb\n");
  CHECK(st->subscriptions() == std::vector<std::string>{"a/b"});
  st->rename_mailbox("a", "c");
  CHECK(!st->mailbox_exists("a/b"));
  REQUIRE(st->mailbox_exists("c/b"));
  CHECK(st->open_mailbox("c/b")->messages().size() == 1);
  CHECK_THROWS_AS(st->rename_mailbox("nope", "x"), Error);
  st->create_mailbox("c");
  st->delete_mailbox("c");  // keeps c/b
  CHECK(st->mailbox_exists("c/b"));
  CHECK(!st->mailbox_exists("c"));
  st->delete_mailbox("c/b");
  CHECK(!path_exists(root + "/mailboxes/c/b"));
  try {
    st->delete_mailbox("c/b");
    FAIL("deleted twice");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitNotFound);
  }
  CHECK_THROWS_AS(st->delete_mailbox("INBOX"), Error);
  // ALT: the dbox-alt-root link names the ALT path.
  char buf[4096];
  ssize_t n = ::readlink((root + "/dbox-alt-root").c_str(), buf, sizeof buf);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<size_t>(n)) == t.path + "/alt");
}

TEST_CASE("sdbox ALT: a file in either place is read, moves are followed", "[sdbox]") {
  TempDir t;
  std::string root = t.path + "/root", alt = t.path + "/alt";
  auto st = open_sdbox(root, alt);
  auto box = st->open_mailbox("INBOX");
  save_one(*box, kMsg, "\\Seen");
  save_one(*box, kMsg + "two\n");
  // Move u.2 to ALT as Dovecot's altmove does.
  make_dirs(mail_dir(alt, "INBOX"));
  REQUIRE(::rename((mail_dir(root, "INBOX") + "/u.2").c_str(),
                   (mail_dir(alt, "INBOX") + "/u.2").c_str()) == 0);
  auto again = open_sdbox(root, alt)->open_mailbox("INBOX");
  REQUIRE(again->messages().size() == 2);
  CHECK(again->messages()[1].locator == "a");
  CHECK(slurp(*again->open_message(2)) == kMsg + "two\n");
  auto tx = again->begin();
  tx->expunge(2);
  tx->commit();
  CHECK(!path_exists(mail_dir(alt, "INBOX") + "/u.2"));
  CHECK(format_flags(again->messages()[0].flags) == "\\Seen \\Recent");
}

TEST_CASE("sdbox: a damaged u.N gives an error naming the file; force-resync keeps the rest",
          "[sdbox]") {
  TempDir t;
  std::string root = t.path + "/root";
  auto st = open_sdbox(root);
  auto box = st->open_mailbox("INBOX");
  for (int i = 0; i < 4; ++i) save_one(*box, kMsg, i == 0 ? "\\Seen" : "");
  std::string u2 = mail_dir(root, "INBOX") + "/u.2";
  std::string data = read_file(u2);
  write_file_atomic(u2, data.substr(0, data.size() - 30));
  try {
    box->open_message(2);
    FAIL("no error for a truncated file");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    std::string what = e.what();
    CHECK(what.find(u2) != std::string::npos);
    CHECK(what.find("force-resync") != std::string::npos);
  }
  // force-resync with the index intact drops the damaged message.
  box->force_resync();
  REQUIRE(box->messages().size() == 3);
  CHECK(box->messages()[1].uid == 3);
  // The index is lost too: force-resync rebuilds from the files alone.
  uint32_t uidvalidity = box->status().uidvalidity;
  box.reset();
  for (const auto& f : list_dir(mail_dir(root, "INBOX")))
    if (f.rfind("roost.index", 0) == 0) ::unlink((mail_dir(root, "INBOX") + "/" + f).c_str());
  write_file_atomic(mail_dir(root, "INBOX") + "/u.x", "not a mail");
  auto fresh = open_sdbox(root)->open_mailbox("INBOX");
  fresh->force_resync();
  const auto& ms = fresh->messages();
  REQUIRE(ms.size() == 3);
  CHECK(ms[0].uid == 1);
  CHECK(ms[1].uid == 3);
  CHECK(ms[2].uid == 4);
  CHECK(fresh->status().uidnext == 5);
  CHECK(path_exists(u2));  // left in place for repair
  // Roost's index is gone, but the Dovecot log Roost kept for this mailbox
  // still has the UIDVALIDITY and the flags.
  CHECK(fresh->status().uidvalidity == uidvalidity);
  CHECK(format_flags(ms[0].flags) == "\\Seen \\Recent");
  // With the index intact, force-resync keeps flags and UIDVALIDITY.
  auto tx = fresh->begin();
  tx->update_flags(3, FlagOp::kAdd, parse_flag_list("\\Flagged"));
  tx->commit();
  uint32_t uv = fresh->status().uidvalidity;
  fresh->force_resync();
  fresh->force_resync();
  CHECK(fresh->status().uidvalidity == uv);
  CHECK(format_flags(fresh->messages()[1].flags) == "\\Flagged \\Recent");
  // Without any index, a new UID space.
  fresh.reset();
  for (const auto& f : list_dir(mail_dir(root, "INBOX")))
    if (f.rfind("roost.index", 0) == 0 || f.rfind("dovecot.index", 0) == 0)
      ::unlink((mail_dir(root, "INBOX") + "/" + f).c_str());
  auto bare = open_sdbox(root)->open_mailbox("INBOX");
  bare->force_resync();
  CHECK(bare->messages().size() == 3);
  CHECK(bare->status().uidvalidity != 0);
  CHECK(bare->status().uidvalidity != uv);
}

TEST_CASE("sdbox reads a Dovecot store with a rotated log and 40 keywords", "[sdbox]") {
  TempDir t;
  std::string src = std::string(ROOST_SOURCE_DIR) + "/fixtures/dbox/generated/sdbox";
  REQUIRE(std::system(
              ("cp -r " + src + "/store/. " + t.path + "/ && chmod -R u+w " + t.path).c_str()) ==
          0);
  auto st = open_sdbox(t.path);
  // expected.tsv is `doveadm -f tab fetch 'mailbox uid guid flags' all`.
  std::istringstream expected(read_file(src + "/expected.tsv"));
  std::string line;
  std::getline(expected, line);
  size_t rows = 0;
  while (std::getline(expected, line)) {
    std::istringstream row(line);
    std::string mailbox, uid, guid, flags;
    std::getline(row, mailbox, '\t');
    std::getline(row, uid, '\t');
    std::getline(row, guid, '\t');
    std::getline(row, flags, '\t');
    auto box = st->open_mailbox(mailbox);
    bool found = false;
    for (const auto& m : box->messages())
      if (std::to_string(m.uid) == uid) {
        found = true;
        CHECK(m.guid == guid);
        CHECK(format_flags(m.flags) == flags);
      }
    CHECK(found);
    ++rows;
  }
  CHECK(rows == 5);
  auto inbox = st->open_mailbox("INBOX")->status();
  CHECK(inbox.messages == 4);
  CHECK(inbox.uidnext == 7);
  CHECK(inbox.uidvalidity == 1795392765u);
  CHECK(st->open_mailbox("Other")->status().uidvalidity == 1795392764u);
}

TEST_CASE("sdbox keeps a given GUID, POP3 UIDL and order, dates and UID", "[sdbox]") {
  TempDir t;
  auto box = open_sdbox(t.path + "/root")->open_mailbox("INBOX");
  auto tx = box->begin();
  std::istringstream in(kMsg);
  SaveRequest req;
  req.guid = "1234567890.M1P2.host";  // a Maildir-origin GUID, kept as it is
  req.pop3_uidl = "UID-7";
  req.pop3_order = 3;
  req.received_date = 1700000000;
  req.uid = 40;
  CHECK(tx->save(in, req) == 40);
  tx->commit();
  auto r = DboxFileReader::open(mail_dir(t.path + "/root", "INBOX") + "/u.40");
  auto m = r->next();
  REQUIRE(m);
  std::string keys;
  for (const auto& f : m->metadata.fields) keys += f.key;
  CHECK(keys == "RVPOG");  // Dovecot's order
  auto again = open_sdbox(t.path + "/root")->open_mailbox("INBOX");
  REQUIRE(again->messages().size() == 1);
  const auto& rec = again->messages()[0];
  CHECK(rec.uid == 40);
  CHECK(rec.guid == req.guid);
  CHECK(rec.pop3_uidl == "UID-7");
  CHECK(rec.pop3_order == 3);
  CHECK(rec.received_date == 1700000000);
  CHECK(again->status().uidnext == 41);
  // A UID below UIDNEXT is not reused: the next one is given.
  auto tx2 = again->begin();
  std::istringstream in2(kMsg);
  SaveRequest low;
  low.uid = 5;
  CHECK(tx2->save(in2, low) == 41);
  tx2->commit();
}

TEST_CASE("sdbox INDEX=: index files in <INDEX>/mailboxes/<name>/, as Dovecot keeps them",
          "[sdbox]") {
  TempDir t;
  MailLocation loc;
  loc.format = "sdbox";
  loc.root = t.path + "/root";
  loc.index = t.path + "/idx";
  StorageSettings set;
  set.fsync = false;
  SdboxStorage st(loc, set);
  CHECK(st.paths_of("A/B").index_dir == t.path + "/idx/mailboxes/A/B");
  st.create_mailbox("A");
  st.create_mailbox("A/B");
  save_one(*st.open_mailbox("A/B"), kMsg, "\\Seen");
  CHECK(path_exists(t.path + "/idx/mailboxes/A/B/roost.index.log"));
  CHECK(path_exists(t.path + "/idx/mailboxes/A/B/dovecot.index.log"));
  st.delete_mailbox("A");  // A/B's index lives inside A's index dir: it stays
  CHECK(path_exists(t.path + "/idx/mailboxes/A/B/roost.index.log"));
  CHECK(!path_exists(t.path + "/idx/mailboxes/A/roost.index.log"));
  auto box = st.open_mailbox("A/B");
  REQUIRE(box->messages().size() == 1);
  CHECK(format_flags(box->messages()[0].flags) == "\\Seen \\Recent");
  st.rename_mailbox("A", "C");
  CHECK(path_exists(t.path + "/idx/mailboxes/C/B/roost.index.log"));
  CHECK(format_flags(st.open_mailbox("C/B")->messages()[0].flags) == "\\Seen \\Recent");
}

TEST_CASE("sdbox: Roost's changes to a Dovecot store are appended to Dovecot's log", "[sdbox]") {
  TempDir t;
  std::string src = std::string(ROOST_SOURCE_DIR) + "/fixtures/dbox/generated/sdbox";
  REQUIRE(std::system(
              ("cp -r " + src + "/store/. " + t.path + "/ && chmod -R u+w " + t.path).c_str()) ==
          0);
  auto st = open_sdbox(t.path);
  auto box = st->open_mailbox("INBOX");  // has dovecot.index, .log and .log.2
  auto tx = box->begin();
  tx->update_flags(1, FlagOp::kRemove, parse_flag_list("\\Seen kw00"));
  tx->update_flags(2, FlagOp::kAdd, parse_flag_list("\\Flagged newkw"));
  tx->expunge(4);
  tx->commit();
  uint32_t uid = save_one(*box, kMsg, "\\Draft");
  CHECK(uid == 7);
  auto d = load_dovecot_mailbox_index(mail_dir(t.path, "INBOX"));
  CHECK(d.notes.empty());
  std::map<uint32_t, DovecotMailRecord> by_uid;
  for (const auto& r : d.records) by_uid[r.uid] = r;
  REQUIRE(by_uid.size() == 4);
  CHECK(!by_uid.count(4));
  CHECK((by_uid[1].flags & kDovecotFlagSeen) == 0);
  CHECK(std::find(by_uid[1].keywords.begin(), by_uid[1].keywords.end(), "kw00") ==
        by_uid[1].keywords.end());
  CHECK((by_uid[2].flags & kDovecotFlagFlagged) != 0);
  CHECK(std::find(by_uid[2].keywords.begin(), by_uid[2].keywords.end(), "newkw") !=
        by_uid[2].keywords.end());
  CHECK(by_uid[7].flags == kDovecotFlagDraft);
  CHECK(d.next_uid == 8);
  // Roost reading the store again sees the same (its own changes come back
  // from Dovecot's log unchanged).
  auto again = open_sdbox(t.path)->open_mailbox("INBOX");
  REQUIRE(again->messages().size() == 4);
  CHECK(format_flags(again->messages()[1].flags).find("\\Flagged") != std::string::npos);
}

TEST_CASE("sdbox with zlib_save = gz: bodies compressed in the file, plain when read", "[sdbox]") {
  TempDir t;
  MailLocation loc;
  loc.format = "sdbox";
  loc.root = t.path + "/root";
  StorageSettings set;
  set.fsync = false;
  set.save_compression = parse_save_compression("zlib", "gz", "6");
  SdboxStorage st(loc, set);
  auto box = st.open_mailbox("INBOX");
  std::string big = kMsg;
  for (int i = 0; i < 200; ++i) big += "a line that compresses well\n";
  save_one(*box, big);
  auto r = DboxFileReader::open(mail_dir(loc.root, "INBOX") + "/u.1");
  auto m = r->next();
  REQUIRE(m);
  CHECK(m->body_size < big.size());
  CHECK(m->metadata.physical_size() == big.size());  // Z: the plain size
  CHECK(m->metadata.virtual_size() == big.size() + 204);
  CHECK(slurp(*r->body_stream(*m)).substr(0, 2) == "\x1f\x8b");
  auto again = open_sdbox(loc.root)->open_mailbox("INBOX");  // reading needs no setting
  CHECK(slurp(*again->open_message(1)) == big);
  CHECK(again->messages()[0].physical_size == big.size());
  CHECK(again->read_header(1) == "From: a@example.com\nSubject: hello\n\n");
}
