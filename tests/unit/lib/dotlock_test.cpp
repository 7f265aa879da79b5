#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <cstdlib>

#include "lib/dotlock.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

using namespace roost;

namespace {
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/roost-dotlock-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { remove_tree(path); }
};
}  // namespace

TEST_CASE("dotlock excludes, replaces atomically and takes over dead owners' locks",
          "[lib][dotlock]") {
  TempDir d;
  std::string target = d.path + "/dovecot-uidlist";
  DotLock::Options quick;
  quick.timeout_secs = 1;
  {
    DotLock lock = DotLock::acquire(target, quick);
    CHECK(lock.held());
    CHECK(path_exists(target + ".lock"));
    // A second taker (same process, but it could be anyone) times out.
    CHECK_THROWS_AS(DotLock::acquire(target, quick), Error);
    lock.write_content("new content\n");
    lock.commit_replace();
    CHECK_FALSE(lock.held());
  }
  CHECK(read_file(target) == "new content\n");
  CHECK_FALSE(path_exists(target + ".lock"));

  // A lock whose owner process is gone is taken over at once.
  pid_t pid = ::fork();
  if (pid == 0) {
    DotLock orphan = DotLock::acquire(target);
    _exit(0);  // no destructor: the lock file stays behind
  }
  int status;
  ::waitpid(pid, &status, 0);
  REQUIRE(path_exists(target + ".lock"));
  DotLock taken = DotLock::acquire(target, quick);
  CHECK(taken.held());
  taken.release();

  // Also when the owner died after writing the new content (the lock still
  // names it, the target is untouched).
  std::string before = read_file(target);
  pid = ::fork();
  if (pid == 0) {
    DotLock orphan = DotLock::acquire(target);
    orphan.write_content("half-done");
    _exit(0);
  }
  ::waitpid(pid, &status, 0);
  CHECK(read_file(target) == before);
  CHECK(DotLock::acquire(target, quick).held());

  // A lock of unknown ownership is stale only after stale_secs.
  write_file_atomic(target + ".lock", "garbage");
  CHECK_THROWS_AS(DotLock::acquire(target, quick), Error);
  struct utimbuf old = {1600000000, 1600000000};
  ::utime((target + ".lock").c_str(), &old);
  CHECK(DotLock::acquire(target, quick).held());
}
