// A gzip-compressed mbox file (name ending in .gz) is readable and
// read-only, as with Dovecot's zlib plugin.
#include <stdlib.h>
#include <sys/stat.h>
#include <utime.h>
#include <catch2/catch.hpp>

#include <iterator>
#include <sstream>

#include "formats/mbox/mbox_storage.hpp"
#include "lib/compress/deflater.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

using namespace roost;

namespace {

std::string make_tmp() {
  char t[] = "/tmp/roost-mboxgz-test-XXXXXX";
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

std::string slurp(std::istream& in) {
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string gzip(const std::string& data) {
  return compress_string(data, Compression::kGzip);
}

// Two messages as an MTA or an archiver leaves them: no X-UID, no X-IMAPbase.
const std::string kArchive =
    "From a@example.org Sat Jan  1 10:00:00 2022\n"
    "From: a@example.org\nSubject: one\n\nfirst body\n\n"
    "From b@example.org Sun Jan  2 11:00:00 2022\n"
    "From: b@example.org\nSubject: two\n\nsecond body\n\n";

}  // namespace

TEST_CASE("mbox zlib: a .gz mbox file is read decompressed and stays read-only",
          "[mbox][compress]") {
  std::string root = make_tmp();
  write_file_atomic(root + "/inbox", "");
  std::string gz = gzip(kArchive);
  write_file_atomic(root + "/archive.gz", gz);
  struct utimbuf old = {1600000000, 1600000000};
  ::utime((root + "/archive.gz").c_str(), &old);
  {
    auto st = storage_at(root);
    auto box = st->open_mailbox("archive.gz");
    const auto& msgs = box->messages();
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].uid == 1);
    CHECK(msgs[1].uid == 2);
    CHECK(slurp(*box->open_message(1)) == "From: a@example.org\nSubject: one\n\nfirst body\n");
    CHECK(slurp(*box->open_message(2)) == "From: b@example.org\nSubject: two\n\nsecond body\n");
    CHECK(msgs[1].physical_size == 46);
    // Writes are refused, the file is untouched.
    auto tx = box->begin();
    std::istringstream in("Subject: new\n\nx\n");
    tx->save(in, SaveRequest{});
    try {
      tx->commit();
      FAIL("expected a permission error");
    } catch (const Error& e) {
      CHECK(e.exit_code() == kExitNoPerm);
      CHECK_THAT(std::string(e.what()), Catch::Contains("read-only"));
    }
    auto tx2 = box->begin();
    tx2->expunge(1);
    CHECK_THROWS_AS(tx2->commit(), Error);
  }
  CHECK(*read_file_if_exists(root + "/archive.gz") == gz);
  // Another session: same UIDs (kept in the index, matched by GUID).
  auto box = storage_at(root)->open_mailbox("archive.gz");
  REQUIRE(box->messages().size() == 2);
  CHECK(slurp(*box->open_message(2)).find("second body") != std::string::npos);
  // The file replaced by a bigger archive: old UIDs kept, the new mail gets 3.
  write_file_atomic(root + "/archive.gz",
                    gzip(kArchive + "From c@example.org Mon Jan  3 12:00:00 2022\n"
                                    "Subject: three\n\nthird\n\n"));
  struct utimbuf older = {1600000100, 1600000100};
  ::utime((root + "/archive.gz").c_str(), &older);
  auto box2 = storage_at(root)->open_mailbox("archive.gz");
  REQUIRE(box2->messages().size() == 3);
  CHECK(slurp(*box2->open_message(3)) == "Subject: three\n\nthird\n");
  CHECK(slurp(*box2->open_message(1)).find("first body") != std::string::npos);
}

TEST_CASE("mbox zlib: a .gz name over plain data, and truncated archives", "[mbox][compress]") {
  std::string root = make_tmp();
  write_file_atomic(root + "/inbox", "");
  write_file_atomic(root + "/notgz.gz", kArchive);
  CHECK_THROWS_WITH(storage_at(root)->open_mailbox("notgz.gz"),
                    Catch::Contains("the name says gz"));
  std::string gz = gzip(kArchive);
  write_file_atomic(root + "/cut.gz", gz.substr(0, gz.size() - 6));
  try {
    storage_at(root)->open_mailbox("cut.gz");
    FAIL("expected a data error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    CHECK_THAT(std::string(e.what()), Catch::Contains("ends early"));
  }
}
