#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <utime.h>

#include <sstream>

#include "formats/builtin_drivers.hpp"
#include "formats/maildir/maildir_storage.hpp"
#include "formats/maildir/maildir_uidlist.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"
#include "maildir_test_util.hpp"

using namespace roost;
using namespace roost::test;

namespace {
uint32_t save(Mailbox& box, const std::string& body, const std::string& flags = "",
              const std::string& guid = "", uint32_t uid = 0) {
  auto t = box.begin();
  std::istringstream in(body);
  SaveRequest req;
  req.flags = parse_flag_list(flags);
  req.guid = guid;
  req.uid = uid;
  req.received_date = 1700000000;
  uint32_t got = t->save(in, req);
  t->commit();
  return got;
}

std::vector<std::string> dir_names(const std::string& dir) {
  auto v = list_dir(dir);
  std::sort(v.begin(), v.end());
  return v;
}

void age_dirs(const std::string& mail_dir) {
  // Make the dir mtimes old so the sync stamp is trusted.
  struct utimbuf old = {1600000000, 1600000000};
  for (const char* d : {"new", "cur"}) ::utime((mail_dir + "/" + d).c_str(), &old);
  ::utime((mail_dir + "/dovecot-uidlist").c_str(), &old);
  ::utime((mail_dir + "/dovecot-keywords").c_str(), &old);
}
}  // namespace

TEST_CASE("maildir: save, flag changes and expunge keep uidlist, names and index in step",
          "[maildir]") {
  TempDir t;
  auto st = open_maildir(t.path, '/');
  auto box = st->open_mailbox("INBOX");
  CHECK(save(*box, "Subject: a\n\nbody\n") == 1);
  CHECK(save(*box, "Subject: b\r\n\r\nbody\r\n", "\\Seen $Label1") == 2);
  CHECK(save(*box, "Subject: c\n\nx\n", "", "my-dsync-guid") == 3);
  CHECK(save(*box, "Subject: d\n\nx\n", "", "", 10) == 10);   // above uidnext: kept
  CHECK(save(*box, "Subject: e\n\nx\n", "", "", 5) == 11);    // below uidnext: next UID
  REQUIRE(box->messages().size() == 5);
  const auto& m1 = box->messages()[0];
  CHECK(m1.physical_size == 17);
  CHECK(m1.virtual_size == 20);
  CHECK(m1.received_date == 1700000000);
  CHECK(m1.guid.find(",S=17,W=20") != std::string::npos);
  CHECK(box->messages()[2].guid == "my-dsync-guid");
  // A CRLF message is stored with LF, as Dovecot stores it (mail_save_crlf=no).
  CHECK(box->messages()[1].physical_size == 17);
  CHECK(box->messages()[1].virtual_size == 20);
  auto new_files = dir_names(t.path + "/new");
  auto cur_files = dir_names(t.path + "/cur");
  CHECK(new_files.size() == 4);
  REQUIRE(cur_files.size() == 1);
  CHECK(cur_files[0].substr(cur_files[0].size() - 5) == ":2,Sa");
  CHECK(read_file(t.path + "/dovecot-keywords") == "0 $Label1\n");
  std::string uidlist = read_file(t.path + "/dovecot-uidlist");
  CHECK(uidlist.find(" Gmy-dsync-guid :") != std::string::npos);
  CHECK(uidlist.substr(0, 3) == "3 V");

  uint64_t modseq_before = box->status().highest_modseq;
  {
    auto tx = box->begin();
    tx->update_flags(1, FlagOp::kAdd, parse_flag_list("\\Flagged todo"));
    tx->update_flags(2, FlagOp::kRemove, parse_flag_list("$Label1"));
    tx->expunge(3);
    tx->commit();
  }
  CHECK(box->status().highest_modseq == modseq_before + 1);
  CHECK(box->messages().size() == 4);
  CHECK(box->messages()[0].flags.keywords == std::vector<std::string>{"todo"});
  CHECK(box->messages()[0].modseq == modseq_before + 1);
  auto ex = box->expunged_since(modseq_before);
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].uid == 3);
  CHECK(ex[0].guid == "my-dsync-guid");
  CHECK(read_file(t.path + "/dovecot-keywords") == "0 $Label1\n1 todo\n");
  // Flag change renames inside new/ (as Dovecot does), keeping the base.
  bool found = false;
  for (const auto& n : dir_names(t.path + "/new"))
    if (n.size() > 5 && n.substr(n.size() - 5) == ":2,Fb") found = true;
  CHECK(found);
  uidlist = read_file(t.path + "/dovecot-uidlist");
  CHECK(uidlist.find("my-dsync-guid") == std::string::npos);
  CHECK(uidlist.find(" N12 ") != std::string::npos);

  // A fresh open (no cached index state) sees the same.
  auto st2 = open_maildir(t.path, '/');
  auto box2 = st2->open_mailbox("INBOX");
  CHECK(box2->messages().size() == 4);
  CHECK(box2->status().uidnext == 12);
  CHECK(format_flags(box2->messages()[0].flags) == "\\Flagged \\Recent todo");
  // After a forced resync (index rebuilt from the files) UIDs and flags stay.
  box2->force_resync();
  CHECK(box2->messages().size() == 4);
  CHECK(box2->messages()[3].uid == 11);
  CHECK(format_flags(box2->messages()[1].flags) == "\\Seen");  // in cur/: not recent
}

TEST_CASE("maildir: external changes are noticed, unchanged dirs aren't rescanned", "[maildir]") {
  TempDir t;
  auto st = open_maildir(t.path, '/');
  auto box = st->open_mailbox("INBOX");
  save(*box, "Subject: a\n\nx\n", "\\Seen");
  save(*box, "Subject: b\n\nx\n");
  // An MTA drops a file into new/, and someone renames a flag in cur/.
  write_file_atomic(t.path + "/new/1700000001.mta.host", "Subject: dropped\n\nhi\n");
  std::string cur = dir_names(t.path + "/cur")[0];
  std::string base = cur.substr(0, cur.find(':'));
  ::rename((t.path + "/cur/" + cur).c_str(), (t.path + "/cur/" + base + ":2,FPS").c_str());
  box->sync();
  REQUIRE(box->messages().size() == 3);
  CHECK(box->messages()[2].uid == 3);
  CHECK(box->messages()[2].guid == "1700000001.mta.host");
  CHECK(box->messages()[2].virtual_size == 24);
  CHECK(format_flags(box->messages()[0].flags) == "\\Flagged \\Seen");
  // Our own flag change keeps the unknown-to-IMAP 'P' letter.
  {
    auto tx = box->begin();
    tx->update_flags(1, FlagOp::kRemove, parse_flag_list("\\Flagged"));
    tx->commit();
  }
  CHECK(path_exists(t.path + "/cur/" + base + ":2,PS"));
  // File deleted behind our back -> expunged at the next sync.
  for (const auto& n : dir_names(t.path + "/new"))
    if (n.rfind("1700000001", 0) == 0) ::unlink((t.path + "/new/" + n).c_str());
  box->sync();
  CHECK(box->messages().size() == 2);

  // Fast path: with old dir mtimes the stamp is trusted and nothing is
  // rescanned: a change that doesn't touch the mtimes stays unseen...
  box->sync();
  age_dirs(t.path);
  box->sync();  // stores the stable stamp
  auto again = open_maildir(t.path, '/')->open_mailbox("INBOX");
  std::string victim = dir_names(t.path + "/new")[0];
  ::unlink((t.path + "/new/" + victim).c_str());
  age_dirs(t.path);
  auto fast = open_maildir(t.path, '/')->open_mailbox("INBOX");
  CHECK(fast->messages().size() == 2);
  // ...until force_resync.
  fast->force_resync();
  CHECK(fast->messages().size() == 1);
}

TEST_CASE("maildir: corrupt dovecot-uidlist is rebuilt keeping UIDs, never reusing them",
          "[maildir]") {
  TempDir t;
  auto st = open_maildir(t.path, '/');
  {
    auto box = st->open_mailbox("INBOX");
    for (int i = 0; i < 4; ++i) save(*box, "Subject: " + std::to_string(i) + "\n\nx\n");
  }
  std::string uidlist = read_file(t.path + "/dovecot-uidlist");
  uint32_t uidvalidity = st->open_mailbox("INBOX")->status().uidvalidity;
  // Truncate in the middle of record 3.
  size_t cut = 0;
  for (int i = 0; i < 3; ++i) cut = uidlist.find('\n', cut) + 1;
  write_file_atomic(t.path + "/dovecot-uidlist", uidlist.substr(0, cut + 5));
  auto box = open_maildir(t.path, '/')->open_mailbox("INBOX");
  REQUIRE(box->messages().size() == 4);
  for (uint32_t i = 0; i < 4; ++i) CHECK(box->messages()[i].uid == i + 1);  // kept via the index
  CHECK(box->status().uidvalidity == uidvalidity);
  CHECK(save(*box, "Subject: new\n\nx\n") == 5);

  // Garbage header and no index: a new uidvalidity, every file renumbered.
  MailIndex::remove_files(t.path);
  write_file_atomic(t.path + "/dovecot-uidlist", "garbage\n");
  auto box2 = open_maildir(t.path, '/')->open_mailbox("INBOX");
  CHECK(box2->messages().size() == 5);
  CHECK(box2->status().uidvalidity != uidvalidity);
  CHECK(box2->status().uidnext == 6);
}

TEST_CASE("maildir: mailbox create, list, rename, delete and subscriptions", "[maildir]") {
  for (std::string layout : {"", "fs"}) {
    TempDir t;
    auto st = open_maildir(t.path, '/', layout);
    st->open_mailbox("INBOX");
    st->create_mailbox("Entwürfe");
    st->create_mailbox("Lists/dovecot");
    st->create_mailbox("Lists/dovecot/old");
    CHECK_THROWS_AS(st->create_mailbox("Lists/dovecot"), Error);
    CHECK_THROWS_AS(st->create_mailbox("../escape"), Error);
    CHECK_THROWS_AS(st->create_mailbox("a/./b"), Error);
    if (layout.empty()) {
      CHECK(is_dir(t.path + "/.Entw&APw-rfe/cur"));
      CHECK(path_exists(t.path + "/.Lists.dovecot/maildirfolder"));
      CHECK_THROWS_AS(st->create_mailbox("a.b"), Error);
    } else {
      CHECK(is_dir(t.path + "/Entw&APw-rfe/cur"));
      CHECK(is_dir(t.path + "/Lists/dovecot/old/cur"));
      CHECK_THROWS_AS(st->create_mailbox("cur"), Error);
    }
    auto names = [&] {
      std::vector<std::string> out;
      for (const auto& b : st->list_mailboxes())
        out.push_back(b.name + (b.selectable ? "" : "!") + (b.has_children ? "+" : ""));
      return out;
    };
    CHECK(names() == std::vector<std::string>{"INBOX", "Entwürfe", "Lists!+", "Lists/dovecot+",
                                              "Lists/dovecot/old"});
    auto box = st->open_mailbox("Lists/dovecot");
    save(*box, "Subject: x\n\ny\n");
    box.reset();
    st->rename_mailbox("Lists", "Archive/Lists");
    CHECK(names() == std::vector<std::string>{"INBOX", "Archive!+", "Archive/Lists!+",
                                              "Archive/Lists/dovecot+",
                                              "Archive/Lists/dovecot/old", "Entwürfe"});
    CHECK(st->open_mailbox("Archive/Lists/dovecot")->messages().size() == 1);
    st->delete_mailbox("Archive/Lists/dovecot/old");
    st->delete_mailbox("Entwürfe");
    CHECK_THROWS_AS(st->delete_mailbox("INBOX"), Error);
    CHECK_THROWS_AS(st->open_mailbox("Entwürfe"), Error);
    CHECK(names() == std::vector<std::string>{"INBOX", "Archive!+", "Archive/Lists!+",
                                              "Archive/Lists/dovecot"});
    st->set_subscribed("inbox", true);
    st->set_subscribed("Archive/Lists/dovecot", true);
    st->set_subscribed("Archive/Lists/dovecot", true);
    CHECK(read_file(t.path + "/subscriptions") == "V\t2\n\nINBOX\nArchive\tLists\tdovecot\n");
    st->set_subscribed("INBOX", false);
    CHECK(st->subscriptions() == std::vector<std::string>{"Archive/Lists/dovecot"});
  }
}

TEST_CASE("maildir: unreadable mail directory is a clear permission error", "[maildir]") {
  TempDir t;
  auto st = open_maildir(t.path, '/');
  st->create_mailbox("Locked");
  // Root ignores permission bits, so test through a non-directory 'cur'.
  remove_tree(t.path + "/.Locked/new");
  write_file_atomic(t.path + "/.Locked/new", "not a dir");
  try {
    st->open_mailbox("Locked");
    FAIL("opened a broken mailbox");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(".Locked/new") != std::string::npos);
  }
}

TEST_CASE("maildir: INDEX=, CONTROL=, INDEX=MEMORY, INBOX=, UTF8 and maildirsize", "[maildir]") {
  TempDir t;
  register_builtin_storage_drivers();
  MailLocation loc;
  loc.format = "maildir";
  loc.root = t.path + "/mail";
  loc.index = t.path + "/index";
  loc.control = t.path + "/control";
  StorageSettings set;
  auto st = open_storage(loc, set);
  CHECK(st->separator() == '.');  // Maildir++ default
  st->create_mailbox("Work.Projekt");
  auto box = st->open_mailbox("Work.Projekt");
  save(*box, "Subject: x\n\ny\n", "\\Seen");
  CHECK(path_exists(t.path + "/index/.Work.Projekt/roost.index.log"));
  CHECK(path_exists(t.path + "/control/.Work.Projekt/dovecot-uidlist"));
  CHECK_FALSE(path_exists(t.path + "/mail/.Work.Projekt/dovecot-uidlist"));
  CHECK_FALSE(path_exists(t.path + "/mail/.Work.Projekt/roost.index.log"));

  // INDEX=MEMORY writes no index files.
  MailLocation mem;
  mem.format = "maildir";
  mem.root = t.path + "/memmail";
  mem.index = "MEMORY";
  auto mst = open_storage(mem, set);
  auto inbox = mst->open_mailbox("INBOX");
  write_file_atomic(t.path + "/memmail/maildirsize", "1000000S,100C\n0 0\n");
  save(*inbox, "Subject: m\n\nz\n");
  CHECK(inbox->messages().size() == 1);
  CHECK_FALSE(path_exists(t.path + "/memmail/roost.index"));
  CHECK_FALSE(path_exists(t.path + "/memmail/roost.index.log"));
  {
    auto tx = inbox->begin();
    tx->expunge(1);
    tx->commit();
  }
  CHECK(read_file(t.path + "/memmail/maildirsize") == "1000000S,100C\n0 0\n14 1\n-14 -1\n");

  // LAYOUT=fs with an explicit INBOX= directory and UTF-8 names on disk.
  MailLocation fs;
  fs.format = "maildir";
  fs.root = t.path + "/fs";
  fs.layout = "fs";
  fs.inbox = t.path + "/fs-inbox";
  fs.utf8 = true;
  auto fst = open_storage(fs, set);
  CHECK(fst->separator() == '/');
  save(*fst->open_mailbox("INBOX"), "Subject: i\n\nx\n");
  CHECK(is_dir(t.path + "/fs-inbox/cur"));
  fst->create_mailbox("Entwürfe/Alt");
  CHECK(is_dir(t.path + "/fs/Entwürfe/Alt/cur"));
  CHECK_THROWS_AS(fst->create_mailbox(".hidden"), Error);
  std::vector<std::string> names;
  for (const auto& b : fst->list_mailboxes()) names.push_back(b.name);
  CHECK(names == std::vector<std::string>{"INBOX", "Entwürfe", "Entwürfe/Alt"});
}

TEST_CASE("maildir: a Courier/Dovecot 1.0 (v1) uidlist keeps its UIDs and becomes v3",
          "[maildir]") {
  TempDir t;
  for (const char* d : {"cur", "new", "tmp"}) make_dirs(t.path + "/" + d);
  write_file_atomic(t.path + "/cur/1000.a.host:2,S", "Subject: a\n\nx\n");
  write_file_atomic(t.path + "/cur/1001.b.host:2,", "Subject: b\n\nx\n");
  write_file_atomic(t.path + "/new/1002.c.host", "Subject: c\n\nx\n");
  write_file_atomic(t.path + "/dovecot-uidlist", "1 4242 20\n7 1000.a.host:2,S\n9 1001.b.host\n");
  auto box = open_maildir(t.path, '/')->open_mailbox("INBOX");
  REQUIRE(box->messages().size() == 3);
  CHECK(box->messages()[0].uid == 7);
  CHECK(box->messages()[1].uid == 9);
  CHECK(box->messages()[2].uid == 20);
  CHECK(box->status().uidvalidity == 4242);
  auto parsed = parse_uidlist(read_file(t.path + "/dovecot-uidlist"));
  CHECK(parsed.error.empty());
  CHECK(parsed.list.version == 3);
  CHECK(parsed.list.guid.size() == 32);
  CHECK(parsed.list.next_uid == 21);
  CHECK(parsed.list.guid == box->status().guid.hex());
}
