// An mbox rewrite killed after the new file replaced the old one but before
// Roost's index caught up: the next open finds the expunged mail missing
// and must still record its header key with the expunge (dsync removes a
// peer's copy by that key, not by UID alone). The writer is a fresh process
// killed by the fsync fault hook (ROOST_FAULT_AFTER_FSYNCS) at each of its
// durable writes in turn.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "formats/index/mail_index.hpp"
#include "formats/mbox/mbox_parser.hpp"
#include "formats/mbox/mbox_storage.hpp"
#include "formats/mime/header_key.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace roost;

namespace {

constexpr const char* kRootEnv = "ROOST_TEST_MBOX_REWRITE_ROOT";

std::unique_ptr<MboxStorage> open_store(const std::string& root, bool fsync) {
  MailLocation loc;
  loc.format = "mbox";
  loc.root = root;
  loc.inbox = root + "/inbox";
  StorageSettings s;
  s.fsync = fsync;
  return std::make_unique<MboxStorage>(loc, s);
}

std::string msg(int n) {
  return "From: a@example.com\nSubject: m" + std::to_string(n) + "\nMessage-ID: <m" +
         std::to_string(n) + "@example.com>\nDate: Mon, 1 Jan 2024 00:00:0" + std::to_string(n) +
         " +0000\n\nbody " + std::to_string(n) + "\n";
}

bool file_has_uid(const std::string& file, uint32_t uid) {
  for (const auto& m : parse_mbox(read_file(file)).mails)
    if (m.uid == uid) return true;
  return false;
}

// Runs the hidden child test below in a fresh process (the fault hook reads
// its variable once per process) that dies after its `n`-th fsync.
// Returns true when it was killed.
bool run_killed_writer(const std::string& root, int n) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setenv("ROOST_FAULT_AFTER_FSYNCS", std::to_string(n).c_str(), 1);
    ::setenv(kRootEnv, root.c_str(), 1);
    int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execl("/proc/self/exe", "roost_unit_tests", "mbox rewrite crash writer", nullptr);
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (WIFSIGNALED(status)) {
    REQUIRE(WTERMSIG(status) == SIGKILL);
    return true;
  }
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return false;
}

}  // namespace

// The writer run_killed_writer() starts: expunges UID 2 (a full rewrite)
// with fsync on, so every durable step passes the fault hook. Hidden, with
// a tag of its own: only that child runs it (without its variable it does
// nothing).
TEST_CASE("mbox rewrite crash writer", "[.][mbox-rewrite-crash-writer]") {
  const char* root = std::getenv(kRootEnv);
  if (!root) return;
  auto box = open_store(root, true)->open_mailbox("INBOX");
  auto tx = box->begin();
  tx->expunge(2);
  tx->commit();
}

TEST_CASE("mbox: a rewrite killed between rename and index keeps the expunge's header key",
          "[mbox][crash]") {
  int caught_between = 0;
  bool completed = false;
  for (int n = 1; n <= 12 && !completed; ++n) {
    INFO("killed after fsync " << n);
    test::TempDir tmp("roost-mbox-rewrite-crash");
    std::string root = tmp.path + "/mail";
    std::string file = root + "/inbox";
    std::string key2;
    {
      auto storage = open_store(root, false);
      storage->create_mailbox("INBOX");
      auto box = storage->open_mailbox("INBOX");
      for (int i = 1; i <= 3; ++i) {
        auto tx = box->begin();
        std::istringstream in(msg(i));
        tx->save(in, {});
        tx->commit();
      }
      key2 = mail_header_key(box->read_header(2));
    }
    REQUIRE(!key2.empty());
    uint64_t modseq_before = MailIndex::open(root + "/.imap/INBOX")->header().highest_modseq;

    completed = !run_killed_writer(root, n);
    bool gone = !file_has_uid(file, 2);
    bool index_has = MailIndex::open(root + "/.imap/INBOX")->find(2) != nullptr;
    if (gone && index_has) ++caught_between;  // the point this test is about

    auto box = open_store(root, false)->open_mailbox("INBOX");
    const auto& msgs = box->messages();
    CHECK(msgs.size() == (gone ? 2u : 3u));
    if (!gone) continue;
    auto x = box->expunged_since(modseq_before);
    REQUIRE(x.size() == 1);
    CHECK(x[0].uid == 2);
    CHECK(x[0].hdr_key == key2);
  }
  CHECK(completed);            // a writer that ran to the end
  CHECK(caught_between >= 1);  // and one killed between the rename and the index
}
