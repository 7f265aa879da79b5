// zlib_save on the Maildir driver: files written gzip-compressed with the
// uncompressed S=/W= in their names, compressed and plain mails side by side.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <iterator>
#include <map>
#include <sstream>

#include "formats/builtin_drivers.hpp"
#include "formats/maildir/maildir_filename.hpp"
#include "lib/compress/compression.hpp"
#include "lib/compress/deflater.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/compress/decompress.hpp"
#include "maildir_test_util.hpp"
#include "tests/unit/formats/storage_crash.hpp"

using namespace roost;
using namespace roost::test;

namespace {

std::unique_ptr<MailStorage> open_with(const std::string& root, const std::string& zlib_save) {
  register_builtin_storage_drivers();
  MailLocation loc;
  loc.format = "maildir";
  loc.root = root;
  StorageSettings set;
  set.fsync = false;
  set.save_compression = parse_save_compression("zlib", zlib_save, "6");
  return open_storage(loc, set);
}

std::string slurp(std::istream& in) {
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

uint32_t save(Mailbox& box, const std::string& msg) {
  auto t = box.begin();
  std::istringstream in(msg);
  SaveRequest req;
  req.received_date = 1700000000;
  uint32_t uid = t->save(in, req);
  t->commit();
  return uid;
}

std::string gzip(const std::string& data) {
  return compress_string(data, Compression::kGzip);
}

std::string only_file_in(const std::string& dir) {
  auto names = list_dir(dir);
  REQUIRE(names.size() == 1);
  return names[0];
}

const std::string kMsg = "From: a@example.org\nSubject: compressed\n\nline one\nline two\n";

}  // namespace

TEST_CASE("maildir zlib: saves gzip with the uncompressed S= and W=", "[maildir][compress]") {
  TempDir t;
  auto st = open_with(t.path, "gz");
  auto box = st->open_mailbox("INBOX");
  uint32_t uid = save(*box, kMsg);
  std::string name = only_file_in(t.path + "/new");
  std::string raw = *read_file_if_exists(t.path + "/new/" + name);
  CHECK(detect_compression(raw) == Compression::kGzip);
  CHECK(raw.size() != kMsg.size());
  // Dovecot: S= is the message's own size (what was written into the
  // compressor), W= its CRLF size.
  CHECK(maildir_size_extra(name, 'S') == kMsg.size());
  CHECK(maildir_size_extra(name, 'W') == kMsg.size() + 5);
  const MessageRecord& m = box->messages().at(0);
  CHECK(m.physical_size == kMsg.size());
  CHECK(m.virtual_size == kMsg.size() + 5);
  CHECK(slurp(*box->open_message(uid)) == kMsg);
  CHECK(box->read_header(uid) == "From: a@example.org\nSubject: compressed\n\n");
  // A new session (index reread) sees the same.
  auto again = open_with(t.path, "")->open_mailbox("INBOX");
  CHECK(slurp(*again->open_message(uid)) == kMsg);
  CHECK(again->status().vsize == kMsg.size() + 5);
}

TEST_CASE("maildir zlib: compressed and plain mails side by side", "[maildir][compress]") {
  TempDir t;
  {
    auto box = open_with(t.path, "")->open_mailbox("INBOX");
    save(*box, "Subject: plain\n\nplain body\n");
  }
  {
    auto box = open_with(t.path, "gz")->open_mailbox("INBOX");
    save(*box, kMsg);
  }
  // Dropped in by another program: gzip without S=/W=, and a plain file.
  write_file_atomic(t.path + "/cur/1600000000.ext1.host:2,S", gzip("Subject: ext\n\nexternal\n"));
  write_file_atomic(t.path + "/cur/1600000001.ext2.host:2,", "Subject: ext2\n\nplain\n");
  auto box = open_with(t.path, "")->open_mailbox("INBOX");
  box->sync();
  const auto& msgs = box->messages();
  REQUIRE(msgs.size() == 4);
  std::map<std::string, const MessageRecord*> by_subject;
  for (const auto& m : msgs) {
    std::string text = slurp(*box->open_message(m.uid));
    size_t at = text.find("Subject: ") + 9;
    by_subject[text.substr(at, text.find('\n', at) - at)] = &m;
  }
  REQUIRE(by_subject.count("ext"));
  // No S= in the name: measured from the decompressed contents, not stat().
  CHECK(by_subject["ext"]->physical_size == 23);
  CHECK(by_subject["ext"]->virtual_size == 26);
  CHECK(by_subject["ext2"]->physical_size == 21);
  CHECK(by_subject["compressed"]->physical_size == kMsg.size());
  CHECK(by_subject["plain"]->physical_size == 27);
}

TEST_CASE("maildir zlib: unreadable or unwritable compressions are clear errors",
          "[maildir][compress]") {
  TempDir t;
  {
    auto box = open_with(t.path, "zstd")->open_mailbox("INBOX");
    auto tx = box->begin();
    std::istringstream in(kMsg);
    try {
      tx->save(in, SaveRequest{});
      FAIL("expected a config error");
    } catch (const Error& e) {
      CHECK(e.exit_code() == kExitConfig);
      CHECK_THAT(std::string(e.what()), Catch::Contains("zlib_save = zstd"));
    }
    tx->rollback();
    CHECK(list_dir(t.path + "/tmp").empty());
  }
  {
    // A client handing over an already compressed message.
    auto box = open_with(t.path, "")->open_mailbox("INBOX");
    auto tx = box->begin();
    std::istringstream in(gzip(kMsg));
    CHECK_THROWS_WITH(tx->save(in, SaveRequest{}), Catch::Contains("gz-compressed"));
    tx->rollback();
  }
  // A zstd mail file (written by a Dovecot with zlib_save = zstd).
  std::string zstd_name = "1600000002.z.host,S=10,W=11:2,";
  write_file_atomic(t.path + "/cur/" + zstd_name, std::string("\x28\xb5\x2f\xfd\x00\x00", 6));
  auto box = open_with(t.path, "")->open_mailbox("INBOX");
  box->sync();
  REQUIRE(box->messages().size() == 1);
  try {
    box->open_message(box->messages()[0].uid);
    FAIL("expected a data error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    CHECK_THAT(std::string(e.what()), Catch::Contains(zstd_name) &&
                                          Catch::Contains("zstd-compressed") &&
                                          Catch::Contains("zstd -d"));
  }
}

TEST_CASE("maildir zlib: a truncated compressed mail is an error, not a short mail",
          "[maildir][compress]") {
  TempDir t;
  auto st = open_with(t.path, "gz");
  auto box = st->open_mailbox("INBOX");
  std::string big;
  for (int i = 0; i < 5000; ++i) big += "line " + std::to_string(i * 7919) + " of a long body\n";
  uint32_t uid = save(*box, "Subject: big\n\n" + big);
  std::string path = t.path + "/new/" + only_file_in(t.path + "/new");
  struct stat sb;
  REQUIRE(::stat(path.c_str(), &sb) == 0);
  REQUIRE(::truncate(path.c_str(), sb.st_size / 2) == 0);
  auto in = box->open_message(uid);
  try {
    slurp(*in);
    FAIL("expected a data error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    CHECK_THAT(std::string(e.what()), Catch::Contains("ends early"));
  }
}

TEST_CASE("maildir zlib: SIGKILL during compressed saves leaves only whole gzip files",
          "[maildir][compress][crash]") {
  TempDir t;
  std::string root = t.path + "/Maildir";
  CrashRounds opt;
  opt.rounds = 60;
  opt.budget = std::chrono::seconds(30);
  opt.seed = 777;
  run_storage_crash_rounds(
      [&] { return open_with(root, "gz"); },
      [&] {
        // Every visible mail file is a complete gzip whose length is its S=.
        for (const char* sub : {"new", "cur"}) {
          for (const auto& f : list_dir(root + "/" + sub)) {
            std::string path = root + "/" + sub + "/" + f;
            int fd = ::open(path.c_str(), O_RDONLY);
            REQUIRE(fd >= 0);
            CHECK(detect_fd_compression(fd, path) == Compression::kGzip);
            auto in = open_fd_decompressing(fd, path);
            CHECK(slurp(*in).size() == maildir_size_extra(f, 'S'));
          }
        }
      },
      opt);
}
