// Saves append to the end of the mbox file (same inode, the bytes a
// rewrite would write) and a torn append is cut back on open.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <sstream>

#include "formats/mbox/mbox_mailbox.hpp"
#include "formats/mbox/mbox_parser.hpp"
#include "formats/mbox/mbox_storage.hpp"
#include "lib/fsutil.hpp"

using namespace roost;

namespace {

std::string make_tmp() {
  char t[] = "/tmp/roost-mbox-append-XXXXXX";
  REQUIRE(::mkdtemp(t));
  return t;
}

std::unique_ptr<MboxStorage> storage_at(const std::string& root) {
  MailLocation loc;
  loc.format = "mbox";
  loc.root = root;
  loc.inbox = root + "/inbox";
  StorageSettings s;
  s.fsync = false;
  return std::make_unique<MboxStorage>(loc, s);
}

std::string msg(int n, const std::string& body = "") {
  return "From: a@example.com\nSubject: m" + std::to_string(n) + "\nMessage-ID: <m" +
         std::to_string(n) + "@example.com>\n\nbody " + std::to_string(n) + "\n" + body;
}

uint32_t save(Mailbox& box, const std::string& m, const std::string& flags = "") {
  auto t = box.begin();
  std::istringstream in(m);
  SaveRequest req;
  req.flags = parse_flag_list(flags);
  req.received_date = 1700000000;
  uint32_t uid = t->save(in, req);
  t->commit();
  return uid;
}

struct stat stat_of(const std::string& p) {
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st;
}

}  // namespace

TEST_CASE("mbox: a save appends in place, keeping the inode", "[mbox][append]") {
  std::string dir = make_tmp();
  std::string root = dir + "/mail";
  auto st = storage_at(root);
  st->create_mailbox("INBOX");
  auto box = st->open_mailbox("INBOX");
  save(*box, msg(1), "\\Seen $Label1");
  std::string before = read_file(root + "/inbox");
  auto st1 = stat_of(root + "/inbox");
  uint32_t uid2 = save(*box, msg(2, "From the start of a line\n"), "\\Flagged $Label1");
  uint32_t uid3 = save(*box, msg(3));
  auto st2 = stat_of(root + "/inbox");
  CHECK(st1.st_ino == st2.st_ino);
  std::string after = read_file(root + "/inbox");
  REQUIRE(after.size() > before.size());
  // Only the X-IMAPbase uid-last digits changed in the old bytes.
  std::string old_part = after.substr(0, before.size());
  size_t p = before.find("X-IMAPbase: ");
  REQUIRE(p != std::string::npos);
  size_t digits = before.find(' ', p + 12) + 1;
  CHECK(before.substr(digits, 10) == "0000000001");
  CHECK(old_part.substr(digits, 10) == "0000000003");
  old_part.replace(digits, 10, "0000000001");
  CHECK(old_part == before);
  auto scan = parse_mbox(after);
  CHECK_FALSE(scan.needs_rewrite);
  CHECK(scan.uid_last == 3);
  REQUIRE(scan.mails.size() == 3);
  CHECK(scan.mails[1].uid == uid2);
  CHECK(scan.mails[2].uid == uid3);
  CHECK(format_flags(scan.mails[1].flags) == "\\Flagged $Label1");
  auto reopened = storage_at(root)->open_mailbox("INBOX");
  CHECK(reopened->messages().size() == 3);
  CHECK(reopened->status().uidnext == 4);
  remove_tree(dir);
}

TEST_CASE("mbox: appended bytes are exactly what a rewrite writes", "[mbox][append]") {
  std::string dir = make_tmp();
  std::string a = dir + "/a", b = dir + "/b";
  storage_at(a)->create_mailbox("INBOX");
  {
    auto box = storage_at(a)->open_mailbox("INBOX");
    save(*box, msg(1), "\\Seen $Label1");
    save(*box, msg(2));
  }
  REQUIRE(std::system(("cp -a " + a + " " + b).c_str()) == 0);
  // a: an ordinary save (appends).
  auto sa = storage_at(a);
  auto box_a = sa->open_mailbox("INBOX");
  auto ino_a = stat_of(a + "/inbox").st_ino;
  save(*box_a, msg(3, "tail\n"), "\\Answered $Label1");
  CHECK(stat_of(a + "/inbox").st_ino == ino_a);
  // b: the same save forced through a full rewrite (an expunge of a UID
  // that doesn't exist changes nothing else).
  auto sb = storage_at(b);
  auto box_b = sb->open_mailbox("INBOX");
  auto* mb = dynamic_cast<MboxMailbox*>(box_b.get());
  REQUIRE(mb);
  auto ino_b = stat_of(b + "/inbox").st_ino;
  MboxChanges ch;
  MboxPendingSave s;
  std::string raw = msg(3, "tail\n");
  size_t e = raw.find("\n\n");
  s.header = raw.substr(0, e + 2);
  s.body = raw.substr(e + 2);
  s.flags = parse_flag_list("\\Answered $Label1");
  s.received_date = 1700000000;
  ch.saves.push_back(s);
  ch.expunges.push_back(999999);
  mb->rewrite(ch);
  CHECK(stat_of(b + "/inbox").st_ino != ino_b);  // really rewritten
  CHECK(read_file(a + "/inbox") == read_file(b + "/inbox"));
  remove_tree(dir);
}

TEST_CASE("mbox: a save with a new keyword rewrites (X-IMAPbase grows)", "[mbox][append]") {
  std::string dir = make_tmp();
  std::string root = dir + "/mail";
  auto st = storage_at(root);
  st->create_mailbox("INBOX");
  auto box = st->open_mailbox("INBOX");
  save(*box, msg(1));
  save(*box, msg(2), "$New");  // X-IMAPbase's keyword list grows
  auto scan = parse_mbox(read_file(root + "/inbox"));
  CHECK(scan.keywords == std::vector<std::string>{"$New"});
  CHECK(scan.mails.size() == 2);
  remove_tree(dir);
}

TEST_CASE("mbox: a torn append is truncated back on open; a complete one is kept",
          "[mbox][append][crash]") {
  std::string dir = make_tmp();
  std::string root = dir + "/mail";
  std::string file = root + "/inbox";
  std::string marker = root + "/.imap/INBOX/roost-append";
  storage_at(root)->create_mailbox("INBOX");
  std::string f1, f2;
  {
    auto box = storage_at(root)->open_mailbox("INBOX");
    save(*box, msg(1));
    f1 = read_file(file);
    save(*box, msg(2, std::string(5000, 'x') + "\n"));
    f2 = read_file(file);
  }
  REQUIRE(f2.size() > f1.size());
  CHECK_FALSE(path_exists(marker));
  auto ino = stat_of(file).st_ino;
  auto mark = [&](size_t off, size_t end) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%llu %llu %llu %llx\n", (unsigned long long)ino,
                  (unsigned long long)off, (unsigned long long)end, 0ull);
    write_file_atomic(marker, buf);
  };
  SECTION("killed mid-append: the partial message is dropped") {
    for (size_t cut : {f1.size(), f1.size() + 3, f1.size() + 60, f2.size() - 1}) {
      REQUIRE(::truncate(file.c_str(), 0) == 0);
      {
        FILE* fp = std::fopen(file.c_str(), "r+");
        REQUIRE(fp);
        std::fwrite(f2.data(), 1, cut, fp);
        std::fclose(fp);
      }
      mark(f1.size(), f2.size());
      auto box = storage_at(root)->open_mailbox("INBOX");
      CHECK(box->messages().size() == 1);
      CHECK(read_file(file) == f2.substr(0, f1.size()));
      CHECK_FALSE(path_exists(marker));
      CHECK_FALSE(parse_mbox(read_file(file)).needs_rewrite);
      // The next save appends after the last complete message.
      uint32_t uid = save(*box, msg(9));
      CHECK(uid >= 3);  // the lost append's UID 2 is not handed out again
      auto scan = parse_mbox(read_file(file));
      CHECK_FALSE(scan.needs_rewrite);
      CHECK(scan.mails.size() == 2);
      REQUIRE(::truncate(file.c_str(), 0) == 0);
      {
        FILE* fp = std::fopen(file.c_str(), "r+");
        std::fwrite(f2.data(), 1, f2.size(), fp);
        std::fclose(fp);
      }
      storage_at(root)->open_mailbox("INBOX")->force_resync();
    }
  }
  SECTION("killed after the fsync, before the index: the message is kept") {
    // Correct hash: what the append wrote.
    std::string tail = f2.substr(f1.size());
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : tail) {
      h ^= c;
      h *= 1099511628211ull;
    }
    char buf[128];
    std::snprintf(buf, sizeof buf, "%llu %llu %llu %llx\n", (unsigned long long)ino,
                  (unsigned long long)f1.size(), (unsigned long long)f2.size(),
                  (unsigned long long)h);
    write_file_atomic(marker, buf);
    auto box = storage_at(root)->open_mailbox("INBOX");
    box->force_resync();
    CHECK(box->messages().size() == 2);
    CHECK(read_file(file) == f2);
    CHECK_FALSE(path_exists(marker));
  }
  remove_tree(dir);
}
