// The mdbox driver: saves into shared m.N files, copies by reference,
// expunge + purge, altmove, rotation, damaged files and force-resync, and
// the Dovecot 2.3 fixture.
#include <fcntl.h>
#include <unistd.h>

#include <set>

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_message_header.hpp"
#include "formats/dbox/mdbox_file.hpp"
#include "formats/dbox/mdbox_mailbox.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "lib/compress/save_compression.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"
#include "tests/unit/formats/dbox/mdbox_test_util.hpp"

using namespace roost;
using namespace roost::test;

namespace {
size_t files_in(const std::string& dir) {
  return mdbox_file_ids(dir).size();
}

uint64_t file_size(const std::string& path) {
  return read_file(path).size();
}
}  // namespace

TEST_CASE("mdbox file scan finds every intact message past damage", "[mdbox]") {
  DboxFileHeader fh;
  fh.create_time = 0x6b0368cd;
  std::string file = format_dbox_file_header(fh);
  std::vector<uint64_t> offsets;
  for (int i = 1; i <= 3; ++i) {
    DboxMetadata meta;
    meta.set_guid("guid" + std::to_string(i));
    std::string body = test_msg(i);
    offsets.push_back(file.size());
    file += format_dbox_message_header(body.size()) + body + format_dbox_metadata(meta);
  }
  auto clean = scan_mdbox_file(file, "m.1");
  CHECK(clean.header_ok);
  CHECK(clean.damage.empty());
  REQUIRE(clean.messages.size() == 3);
  CHECK(clean.messages[0].offset == 16);
  CHECK(clean.messages[1].offset == offsets[1]);
  CHECK(clean.messages[2].meta.guid() == "guid3");
  // A garbled middle header and a cut tail: the first message survives,
  // then the scan finds its footing again.
  std::string bad = file;
  bad[offsets[1]] = 'x';
  bad.resize(bad.size() - 3);
  auto damaged = scan_mdbox_file(bad, "m.1");
  REQUIRE(damaged.messages.size() == 1);
  CHECK(damaged.messages[0].meta.guid() == "guid1");
  CHECK(damaged.damage.size() >= 2);
  CHECK_THROWS_AS(
      parse_mdbox_message(std::string_view(bad).substr(offsets[2]), 30, "m.1", offsets[2]), Error);
}

TEST_CASE("mdbox saves many messages into one m.N file and reads them back", "[mdbox]") {
  std::string dir = mdbox_tmp();
  {
    auto st = mdbox_at(dir + "/mdbox");
    auto box = st->open_mailbox("INBOX");
    for (int i = 1; i <= 5; ++i)
      CHECK(save_msg(*box, test_msg(i), i == 3 ? "\\Seen kw" : "") == uint32_t(i));
  }
  auto st = mdbox_at(dir + "/mdbox");
  auto box = st->open_mailbox("INBOX");
  REQUIRE(box->messages().size() == 5);
  CHECK(files_in(dir + "/mdbox/storage") == 1);
  CHECK(slurp(*box->open_message(3)) == test_msg(3));
  CHECK(format_flags(box->messages()[2].flags) == "\\Seen kw");
  CHECK(box->messages()[2].guid.size() == 32);
  CHECK(box->messages()[2].virtual_size == test_msg(3).size() + 5);  // 5 LFs counted as CRLF
  // The file is what Dovecot writes: header line, then dbox messages.
  std::string data = read_file(dir + "/mdbox/storage/m.1");
  auto scan = scan_mdbox_file(data, "m.1");
  CHECK(scan.damage.empty());
  REQUIRE(scan.messages.size() == 5);
  CHECK(scan.messages[0].offset == 16);
  CHECK(scan.messages[0].meta.orig_mailbox() == std::string("INBOX"));
  box.reset();
  st.reset();  // closing writes Dovecot's index files
  remove_tree(dir);
}

TEST_CASE("mdbox rotates files at mdbox_rotate_size", "[mdbox]") {
  std::string dir = mdbox_tmp();
  auto st = mdbox_at(dir + "/mdbox", "", "1k");
  auto box = st->open_mailbox("INBOX");
  std::string big(400, 'x');
  for (int i = 1; i <= 6; ++i) save_msg(*box, test_msg(i, big + "\n"));
  size_t files = files_in(dir + "/mdbox/storage");
  CHECK(files >= 3);
  for (uint32_t id : mdbox_file_ids(dir + "/mdbox/storage"))
    CHECK(file_size(dir + "/mdbox/storage/m." + std::to_string(id)) < 1024 + 600);
  for (int i = 1; i <= 6; ++i)
    CHECK(slurp(*box->open_message(uint32_t(i))) == test_msg(i, big + "\n"));
  CHECK(parse_mdbox_size("10 M", "x") == 10u * 1024 * 1024);
  CHECK(parse_mdbox_interval("1d", "x") == 86400);
  CHECK_THROWS_AS(parse_mdbox_size("ten", "x"), Error);
  st.reset();  // closing writes Dovecot's index files
  remove_tree(dir);
}

TEST_CASE("mdbox copies by reference, expunge drops a reference, purge reclaims", "[mdbox]") {
  std::string dir = mdbox_tmp();
  auto st = mdbox_at(dir + "/mdbox");
  st->create_mailbox("Archive");
  auto inbox = st->open_mailbox("INBOX");
  for (int i = 1; i <= 4; ++i) save_msg(*inbox, test_msg(i));
  uint64_t before = file_size(dir + "/mdbox/storage/m.1");
  auto archive = st->open_mailbox("Archive");
  {
    auto t = archive->begin();
    for (const auto& m : inbox->messages()) {
      SaveRequest req;
      req.flags = m.flags;
      req.guid = m.guid;
      t->copy(*inbox, m, req);
    }
    t->commit();
  }
  CHECK(file_size(dir + "/mdbox/storage/m.1") == before);  // no bytes copied
  archive->sync();
  REQUIRE(archive->messages().size() == 4);
  CHECK(archive->messages()[1].guid == inbox->messages()[1].guid);
  CHECK(slurp(*archive->open_message(2)) == test_msg(2));
  for (const auto& e : st->map().entries()) CHECK(e.refcount == 2);
  {
    auto t = inbox->begin();
    t->expunge(1);
    t->expunge(2);
    t->commit();
  }
  {
    auto t = archive->begin();
    t->expunge(1);
    t->commit();
  }
  st->map().refresh();
  CHECK(st->map().find(1)->refcount == 0);
  CHECK(st->map().find(2)->refcount == 1);
  st->purge();
  st->map().refresh();
  CHECK(st->map().find(1) == nullptr);
  CHECK(files_in(dir + "/mdbox/storage") == 1);
  CHECK_FALSE(path_exists(dir + "/mdbox/storage/m.1"));
  CHECK(file_size(dir + "/mdbox/storage/m.2") < before);
  inbox->sync();
  archive->sync();
  CHECK(slurp(*inbox->open_message(3)) == test_msg(3));
  CHECK(slurp(*archive->open_message(2)) == test_msg(2));
  // A second purge has nothing to do.
  st->purge();
  CHECK(path_exists(dir + "/mdbox/storage/m.2"));
  st.reset();  // closing writes Dovecot's index files
  remove_tree(dir);
}

TEST_CASE("mdbox altmove moves bodies to the ALT storage and back", "[mdbox]") {
  std::string dir = mdbox_tmp();
  auto st = mdbox_at(dir + "/mdbox", dir + "/alt");
  auto inbox = st->open_mailbox("INBOX");
  for (int i = 1; i <= 4; ++i) save_msg(*inbox, test_msg(i));
  {
    auto t = inbox->begin();
    t->set_alt_storage(1, true);
    t->set_alt_storage(2, true);
    t->commit();
  }
  st->purge();
  CHECK(files_in(dir + "/alt/storage") == 1);
  CHECK(files_in(dir + "/mdbox/storage") == 1);
  inbox->sync();
  for (int i = 1; i <= 4; ++i) CHECK(slurp(*inbox->open_message(uint32_t(i))) == test_msg(i));
  std::string alt_file =
      dir + "/alt/storage/m." + std::to_string(mdbox_file_ids(dir + "/alt/storage")[0]);
  CHECK(scan_mdbox_file(read_file(alt_file), alt_file).messages.size() == 2);
  char link[4096];
  ssize_t n = ::readlink((dir + "/mdbox/dbox-alt-root").c_str(), link, sizeof link);
  CHECK(std::string(link, n > 0 ? size_t(n) : 0) == dir + "/alt");
  {
    auto t = inbox->begin();
    t->set_alt_storage(1, false);
    t->set_alt_storage(2, false);
    t->commit();
  }
  st->purge();
  CHECK(files_in(dir + "/alt/storage") == 0);
  inbox->sync();
  for (int i = 1; i <= 4; ++i) CHECK(slurp(*inbox->open_message(uint32_t(i))) == test_msg(i));
  st.reset();  // closing writes Dovecot's index files
  remove_tree(dir);
}

TEST_CASE("mdbox: a damaged m.N file gives a clear error; force-resync keeps every intact message",
          "[mdbox]") {
  std::string dir = mdbox_tmp();
  std::string file = dir + "/mdbox/storage/m.1";
  std::set<std::string> guids;
  {
    auto st = mdbox_at(dir + "/mdbox");
    auto inbox = st->open_mailbox("INBOX");
    for (int i = 1; i <= 5; ++i) save_msg(*inbox, test_msg(i), i == 1 ? "\\Flagged" : "");
    for (const auto& m : inbox->messages()) guids.insert(m.guid);
  }
  // Garble message 3's header, cut message 5 in half.
  auto scan = scan_mdbox_file(read_file(file), file);
  REQUIRE(scan.messages.size() == 5);
  std::string data = read_file(file);
  data[scan.messages[2].offset] = 'X';
  data.resize(scan.messages[4].offset + 40);
  write_file_atomic(file, data);
  auto st = mdbox_at(dir + "/mdbox");
  auto inbox = st->open_mailbox("INBOX");
  try {
    inbox->open_message(3);
    FAIL("reading a damaged message must fail");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    CHECK(std::string(e.what()).find("m.1") != std::string::npos);
    CHECK(std::string(e.what()).find("force-resync") != std::string::npos);
  }
  CHECK_THROWS_AS(inbox->open_message(5), Error);
  inbox->force_resync();
  const auto& ms = inbox->messages();
  REQUIRE(ms.size() == 3);
  CHECK(ms[0].uid == 1);
  CHECK(format_flags(ms[0].flags) == "\\Flagged");  // kept: same UID, same message
  CHECK(ms[1].uid == 2);
  CHECK(ms[2].uid == 4);
  for (const auto& m : ms) CHECK(guids.count(m.guid) == 1);
  CHECK(slurp(*inbox->open_message(4)) == test_msg(4));
  // The store takes new mail after the damage.
  CHECK(save_msg(*inbox, test_msg(6)) == 6);
  CHECK(slurp(*inbox->open_message(6)) == test_msg(6));
  st.reset();  // closing writes Dovecot's index files
  remove_tree(dir);
}

TEST_CASE("mdbox force-resync rebuilds from the m.N files alone", "[mdbox]") {
  std::string dir = mdbox_tmp();
  {
    auto st = mdbox_at(dir + "/mdbox");
    st->create_mailbox("Sub/Child");
    save_msg(*st->open_mailbox("INBOX"), test_msg(1));
    save_msg(*st->open_mailbox("Sub/Child"), test_msg(2));
  }
  // Every index gone: the map and both mailboxes.
  for (const char* d : {"/mdbox/storage", "/mdbox/mailboxes/INBOX/dbox-Mails",
                        "/mdbox/mailboxes/Sub/Child/dbox-Mails"})
    for (const char* f : {"/roost.index", "/roost.index.log", "/roost.map", "/roost.map.log",
                          "/dovecot.index", "/dovecot.map.index"})
      ::unlink((dir + d + f).c_str());
  auto st = mdbox_at(dir + "/mdbox");
  auto inbox = st->open_mailbox("INBOX");
  CHECK(inbox->messages().empty());
  inbox->force_resync();
  REQUIRE(inbox->messages().size() == 1);
  CHECK(slurp(*inbox->open_message(inbox->messages()[0].uid)) == test_msg(1));
  auto child = st->open_mailbox("Sub/Child");
  REQUIRE(child->messages().size() == 1);
  CHECK(slurp(*child->open_message(child->messages()[0].uid)) == test_msg(2));
  st.reset();  // closing writes Dovecot's index files
  remove_tree(dir);
}

TEST_CASE("mdbox reads the Dovecot 2.3 fixture (map, flags, keywords, ALT)", "[mdbox]") {
  std::string dir = mdbox_tmp();
  std::string src = std::string(ROOST_SOURCE_DIR) + "/fixtures/dbox/mdbox/store";
  REQUIRE(std::system(("cp -r " + src + "/. " + dir + "/ && chmod -R u+w " + dir).c_str()) == 0);
  auto st = mdbox_at(dir + "/mdbox", dir + "/mdbox-alt");
  auto inbox = st->open_mailbox("INBOX");
  const auto& ms = inbox->messages();
  REQUIRE(ms.size() == 3);
  CHECK(ms[0].uid == 1);
  CHECK(ms[0].guid == "b9e73214cd68036bc863000083ecc375");
  CHECK(format_flags(ms[0].flags) == "\\Seen");
  CHECK(ms[1].uid == 3);
  CHECK(format_flags(ms[1].flags) == "\\Answered \\Draft $Label1 todo");
  CHECK(ms[2].uid == 4);
  CHECK(ms[2].guid == "852eb216cd68036bce63000083ecc375");
  CHECK(slurp(*inbox->open_message(4)).find("Subject:") != std::string::npos);  // from ALT
  auto child = st->open_mailbox("Sub/Child");
  REQUIRE(child->messages().size() == 1);
  CHECK(child->messages()[0].guid == "c9a45418cd68036bd163000083ecc375");
  // Roost writes into it and purges Dovecot's files.
  save_msg(*inbox, test_msg(9));
  st->purge();
  inbox->sync();
  CHECK(inbox->messages().size() == 4);
  for (const auto& m : inbox->messages()) CHECK_NOTHROW(slurp(*inbox->open_message(m.uid)));
  st.reset();  // closing writes Dovecot's index files
  remove_tree(dir);
}

TEST_CASE("mdbox reads a Dovecot store with rotated logs, 40 keywords and a copy", "[mdbox]") {
  std::string dir = mdbox_tmp();
  std::string src = std::string(ROOST_SOURCE_DIR) + "/fixtures/dbox/generated/mdbox";
  REQUIRE(std::system(
              ("cp -r " + src + "/store " + dir + "/mdbox && chmod -R u+w " + dir).c_str()) == 0);
  // expected.tsv is doveadm's `fetch 'mailbox uid guid flags' all`.
  std::vector<std::string> expected;
  for (const auto& line : split(read_file(src + "/expected.tsv"), '\n'))
    if (!line.empty() && line.rfind("mailbox\t", 0) != 0) {
      std::string l = line;
      for (const std::string r : {" \\Recent", "\\Recent "}) {
        auto pos = l.find(r);
        if (pos != std::string::npos) l.erase(pos, r.size());
      }
      expected.push_back(l);
    }
  auto st = mdbox_at(dir + "/mdbox");
  std::vector<std::string> got;
  for (const std::string name : {"Other", "INBOX"}) {
    auto box = st->open_mailbox(name);
    for (const auto& m : box->messages()) {
      got.push_back(name + "\t" + std::to_string(m.uid) + "\t" + m.guid + "\t" +
                    format_flags(m.flags));
      CHECK(slurp(*box->open_message(m.uid)).find("Subject:") != std::string::npos);
    }
  }
  CHECK(got == expected);
  auto inbox = st->open_mailbox("INBOX");
  CHECK(inbox->status().uidnext == 7);
  CHECK(inbox->status().uidvalidity == 1795392768u);
  // The message in both mailboxes is stored once, referenced twice.
  const MessageRecord& shared = inbox->messages()[2];
  auto loc = parse_mdbox_locator(shared.locator);
  REQUIRE(loc);
  CHECK(st->map().find(loc->map_uid)->refcount == 2);
  inbox.reset();
  st.reset();
  remove_tree(dir);
}

TEST_CASE("mdbox B metadata holds Dovecot's storage name; rebuild maps it back", "[mdbox]") {
  std::string dir = mdbox_tmp();
  auto open = [&] {
    MailLocation loc;
    loc.format = "mdbox";
    loc.root = dir + "/mdbox";
    StorageSettings s;
    s.fsync = false;
    s.separator = '.';
    return std::make_unique<MdboxStorage>(loc, s);
  };
  {
    auto st = open();
    st->create_mailbox("Entw\xc3\xbcrfe.Sub");
    save_msg(*st->open_mailbox("Entw\xc3\xbcrfe.Sub"), test_msg(1));
  }
  auto scan = scan_mdbox_file(read_file(dir + "/mdbox/storage/m.1"), "m.1");
  REQUIRE(scan.messages.size() == 1);
  CHECK(scan.messages[0].meta.orig_mailbox() == std::string("Entw&APw-rfe/Sub"));
  for (const char* d : {"/mdbox/storage", "/mdbox/mailboxes/Entw&APw-rfe/Sub/dbox-Mails"})
    for (const char* f : {"/roost.index", "/roost.index.log", "/roost.map", "/roost.map.log",
                          "/dovecot.index", "/dovecot.map.index"})
      ::unlink((dir + d + f).c_str());
  auto st = open();
  st->open_mailbox("INBOX")->force_resync();
  auto box = st->open_mailbox("Entw\xc3\xbcrfe.Sub");
  REQUIRE(box->messages().size() == 1);
  CHECK(slurp(*box->open_message(box->messages()[0].uid)) == test_msg(1));
  CHECK(st->open_mailbox("INBOX")->messages().empty());
  box.reset();
  st.reset();
  remove_tree(dir);
}

TEST_CASE("mdbox with zlib_save = gz stores compressed bodies and reads them back", "[mdbox]") {
  std::string dir = mdbox_tmp();
  MailLocation loc;
  loc.format = "mdbox";
  loc.root = dir + "/mdbox";
  StorageSettings s;
  s.fsync = false;
  s.separator = '/';
  s.save_compression = parse_save_compression("zlib", "gz", "6");
  auto st = std::make_unique<MdboxStorage>(loc, s);
  auto box = st->open_mailbox("INBOX");
  std::string big = test_msg(1, std::string(5000, 'z') + "\n");
  save_msg(*box, big);
  save_msg(*box, test_msg(2));
  CHECK(slurp(*box->open_message(1)) == big);
  CHECK(slurp(*box->open_message(2)) == test_msg(2));
  CHECK(box->messages()[0].physical_size == big.size());
  auto scan = scan_mdbox_file(read_file(dir + "/mdbox/storage/m.1"), "m.1");
  REQUIRE(scan.messages.size() == 2);
  CHECK(scan.messages[0].body_size < big.size());  // stored compressed
  CHECK(scan.messages[0].meta.physical_size() == big.size());
  box.reset();
  st.reset();
  remove_tree(dir);
}

TEST_CASE("mdbox: expunge records survive a rename done by a process that changed nothing else",
          "[mdbox]") {
  // A rename alone doesn't rewrite Dovecot's index files; the next open
  // must not take that for a Dovecot change and re-import (which starts
  // every mailbox's index over and drops its expunge records).
  std::string dir = mdbox_tmp();
  uint64_t modseq_before = 0;
  {
    auto st = mdbox_at(dir + "/mdbox");
    st->create_mailbox("Alpha");
    st->create_mailbox("Beta");
    auto box = st->open_mailbox("Alpha");
    for (int i = 1; i <= 3; ++i) save_msg(*box, test_msg(i));
    save_msg(*st->open_mailbox("Beta"), test_msg(4));
    {
      auto t = box->begin();
      t->expunge(2);
      t->commit();
    }
    REQUIRE(box->expunged_since(0).size() == 1);
    modseq_before = box->status().highest_modseq;
  }  // closing writes Dovecot's index files
  {
    auto st = mdbox_at(dir + "/mdbox");
    st->rename_mailbox("Alpha", "Gamma");  // now sorted after Beta
  }
  std::string map_log = dir + "/mdbox/storage/roost.map.log";
  uint64_t map_log_size = file_size(map_log);
  auto st = mdbox_at(dir + "/mdbox");
  CHECK(file_size(map_log) == map_log_size);  // no re-import of Dovecot's files
  auto box = st->open_mailbox("Gamma");
  REQUIRE(box->messages().size() == 2);
  auto gone = box->expunged_since(0);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].uid == 2);
  CHECK(box->status().highest_modseq == modseq_before);
  CHECK(box->changed_since(modseq_before).empty());
  // Changed, then renamed in the same run: Dovecot's index of the new name
  // gets the change when the storage closes.
  save_msg(*box, test_msg(5));
  st->rename_mailbox("Gamma", "Delta");
  st.reset();
  auto dov = load_dovecot_mailbox_index(dir + "/mdbox/mailboxes/Delta/dbox-Mails");
  CHECK(dov.records.size() == 3);
  st = mdbox_at(dir + "/mdbox");
  box = st->open_mailbox("Delta");
  CHECK(box->messages().size() == 3);
  CHECK(box->expunged_since(0).size() == 1);
  st.reset();
  remove_tree(dir);
}

TEST_CASE("mdbox: a Dovecot import keeps expunge records and adds Dovecot's expunges", "[mdbox]") {
  std::string dir = mdbox_tmp();
  std::string inbox_dir = dir + "/mdbox/mailboxes/INBOX/dbox-Mails";
  std::string storage = dir + "/mdbox/storage";
  std::string aside = dir + "/aside";
  make_dirs(aside + "/map");
  auto copy = [](const std::string& from, const std::string& to) {
    if (path_exists(from)) write_file_atomic(to, read_file(from));
  };
  const char* roost_files[] = {"/roost.index", "/roost.index.log"};
  const char* map_files[] = {"/roost.map", "/roost.map.log"};
  uint64_t modseq = 0;
  {
    auto st = mdbox_at(dir + "/mdbox");
    auto box = st->open_mailbox("INBOX");
    for (int i = 1; i <= 4; ++i) save_msg(*box, test_msg(i));
    auto t = box->begin();
    t->expunge(1);  // Roost's own expunge, before anything else
    t->commit();
  }
  {
    auto st = mdbox_at(dir + "/mdbox");
    modseq = st->open_mailbox("INBOX")->status().highest_modseq;
  }
  // Roost's state with UIDs 2..4, kept aside.
  for (const char* f : roost_files) copy(inbox_dir + f, aside + f);
  for (const char* f : map_files) copy(storage + f, aside + "/map" + f);
  {
    auto st = mdbox_at(dir + "/mdbox");
    auto box = st->open_mailbox("INBOX");
    auto t = box->begin();
    t->expunge(3);
    t->commit();
  }  // Dovecot's files now say UIDs 2 and 4
  // Roost's own files back as they were: to Roost, Dovecot expunged UID 3
  // (Dovecot's files differ from the signature Roost recorded).
  for (const char* f : roost_files) copy(aside + f, inbox_dir + f);
  for (const char* f : map_files) copy(aside + "/map" + f, storage + f);
  auto st = mdbox_at(dir + "/mdbox");
  auto box = st->open_mailbox("INBOX");
  REQUIRE(box->messages().size() == 2);
  CHECK(box->messages()[0].uid == 2);
  CHECK(box->messages()[1].uid == 4);
  auto all = box->expunged_since(0);
  REQUIRE(all.size() == 2);
  CHECK(all[0].uid == 1);
  CHECK(all[1].uid == 3);
  auto since = box->expunged_since(modseq);
  REQUIRE(since.size() == 1);
  CHECK(since[0].uid == 3);
  // The mails Dovecot left alone keep their modseqs.
  CHECK(box->changed_since(modseq).empty());
  CHECK(slurp(*box->open_message(4)) == test_msg(4));
  st.reset();
  remove_tree(dir);
}
