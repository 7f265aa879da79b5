#include <catch2/catch.hpp>
#include <utime.h>

#include "lib/fsutil.hpp"
#include "maildir_test_util.hpp"

using namespace roost;
using namespace roost::test;

namespace {
void age(const std::string& path, long seconds) {
  struct utimbuf t;
  t.actime = t.modtime = ::time(nullptr) - seconds;
  REQUIRE(::utime(path.c_str(), &t) == 0);
}
}  // namespace

TEST_CASE("maildir: a sync sweeps what crashed writers left behind, nothing else",
          "[maildir][sweep]") {
  TempDir dir;
  std::string root = dir.path + "/Maildir";
  open_maildir(root, '/')->open_mailbox("INBOX")->messages();
  const std::string old_tmp = root + "/tmp/1700000000.M1P1.host";
  const std::string new_tmp = root + "/tmp/1700000001.M1P2.host";
  const std::string old_lock_tmp = root + "/dovecot-uidlist.lock.tmp.99999.0";
  const std::string old_atomic_tmp = root + "/dovecot-keywords.tmp.99999.3";
  const std::string young_atomic_tmp = root + "/dovecot-keywords.tmp.99998.1";
  const std::string foreign = root + "/dovecot.index.tmp";
  for (const auto& p : {old_tmp, new_tmp, old_lock_tmp, old_atomic_tmp, young_atomic_tmp, foreign})
    write_file_atomic(p, "x");
  age(old_tmp, 37 * 3600);
  age(new_tmp, 3600);
  age(old_lock_tmp, 2 * 3600);
  age(old_atomic_tmp, 2 * 3600);
  age(foreign, 100 * 3600);
  // A new file makes the next open rescan (and sweep).
  write_file_atomic(root + "/new/1700000002.M1P3.host", "Subject: x\n\nx\n");
  open_maildir(root, '/')->open_mailbox("INBOX")->messages();
  CHECK_FALSE(path_exists(old_tmp));
  CHECK(path_exists(new_tmp));
  CHECK_FALSE(path_exists(old_lock_tmp));
  CHECK_FALSE(path_exists(old_atomic_tmp));
  CHECK(path_exists(young_atomic_tmp));
  CHECK(path_exists(foreign));  // not a name Roost writes
}
