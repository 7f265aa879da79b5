// SIGKILL crash loops for mdbox: the shared storage loop (save / flags /
// expunge), and 200 kills each inside `purge` and `altmove` (+ purge): after
// every kill each committed message must be readable exactly once with its
// UID and GUID, and a re-run must finish the job.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>

#include "formats/dbox/mdbox_mailbox.hpp"
#include "tests/unit/formats/dbox/mdbox_test_util.hpp"
#include "tests/unit/formats/storage_crash.hpp"

using namespace roost;
using namespace roost::test;

TEST_CASE("mdbox: SIGKILL at any instant loses nothing committed and reuses no UID",
          "[mdbox][crash]") {
  std::string dir = mdbox_tmp();
  std::string root = dir + "/mdbox";
  mdbox_at(root, "", "4k", true)->open_mailbox("INBOX");
  CrashRounds opt;
  opt.seed = 5151;
  run_storage_crash_rounds(
      [&] { return std::unique_ptr<MailStorage>(mdbox_at(root, "", "4k", true)); },
      [&] {
        // Every map entry names an intact message in an existing file.
        auto st = mdbox_at(root);
        for (const auto& e : st->map().entries()) CHECK_NOTHROW(st->body_of(e));
      },
      opt);
  remove_tree(dir);
}

namespace {

using Expected = std::map<std::pair<std::string, uint32_t>, std::pair<std::string, std::string>>;

// What every mailbox holds: (mailbox, uid) -> (guid, body).
Expected snapshot(MdboxStorage& st) {
  Expected out;
  for (const auto& name : st.all_mailbox_names()) {
    auto box = st.open_mailbox(name);
    for (const auto& m : box->messages())
      out[{name, m.uid}] = {m.guid, slurp(*box->open_message(m.uid))};
  }
  return out;
}

// New work for the next round: saves, a copy, expunges and ALT marks.
void make_work(MdboxStorage& st, int round, std::mt19937& rng) {
  auto inbox = st.open_mailbox("INBOX");
  auto archive = st.open_mailbox("Archive");
  for (int i = 0; i < 3; ++i)
    save_msg(*inbox, test_msg(round * 10 + i, std::string(rng() % 900, 'y') + "\n"));
  const auto& ms = inbox->messages();
  {
    auto t = archive->begin();
    const MessageRecord& m = ms[rng() % ms.size()];
    SaveRequest req;
    req.guid = m.guid;
    t->copy(*inbox, m, req);
    t->commit();
  }
  if (ms.size() > 10) {
    // Keep the store small (rounds stay fast) with expunges at random places.
    auto t = inbox->begin();
    size_t drop = ms.size() - 8;
    for (size_t i = 0; i < drop; ++i) t->expunge(ms[(i * 7 + rng()) % ms.size()].uid);
    t->commit();
  }
  archive->sync();
  if (archive->messages().size() > 6) {
    auto t = archive->begin();
    t->expunge(archive->messages()[0].uid);
    t->commit();
  }
}

void mark_alt(MdboxStorage& st, std::mt19937& rng) {
  for (const auto& name : st.all_mailbox_names()) {
    auto box = st.open_mailbox(name);
    auto t = box->begin();
    for (const auto& m : box->messages()) t->set_alt_storage(m.uid, rng() % 2);
    t->commit();
  }
}

void check_consistent(const std::string& root, const std::string& alt, const Expected& expected,
                      const std::string& what) {
  auto st = mdbox_at(root, alt);
  Expected now = snapshot(*st);
  CHECK(now.size() == expected.size());
  for (const auto& [key, val] : expected) {
    auto it = now.find(key);
    INFO(what << ": " << key.first << " UID " << key.second);
    REQUIRE(it != now.end());
    CHECK(it->second == val);
  }
  // No stored message is named by two map entries (nothing doubled).
  std::set<std::pair<uint32_t, uint64_t>> places;
  for (const auto& e : st->map().entries())
    CHECK(places.insert({e.file_id, e.offset}).second);
}

// One kill loop: `action` runs in a child that is killed at a random
// instant inside its expected run time.
void purge_kill_loop(const std::string& name, bool altmove, unsigned seed) {
  std::string dir = mdbox_tmp();
  std::string root = dir + "/mdbox", alt = dir + "/alt";
  {
    auto st = mdbox_at(root, alt, "2k");
    st->create_mailbox("Archive");
  }
  std::mt19937 rng(seed);
  // SIGKILL keeps what reached the page cache, so the child skips fsync:
  // the write order is what is under test, and rounds stay fast.
  auto action = [&](std::mt19937& r) {
    auto st = mdbox_at(root, alt, "2k", false);
    if (altmove) mark_alt(*st, r);
    st->purge();
  };
  auto start = std::chrono::steady_clock::now();
  double expected_us = 2000;
  int kills = 0, rounds = 0;
  for (int round = 0; round < 200; ++round) {
    {
      auto st = mdbox_at(root, alt, "2k");
      make_work(*st, round, rng);
    }
    Expected before = snapshot(*mdbox_at(root, alt));
    unsigned child_seed = static_cast<unsigned>(rng());
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      try {
        std::mt19937 r(child_seed);
        action(r);
      } catch (...) {
        _exit(3);
      }
      _exit(0);
    }
    // Every 20th round runs to the end: its duration spreads the kills of
    // the next rounds over the whole run.
    bool calibrate = round % 20 == 0;
    if (!calibrate) {
      ::usleep(static_cast<useconds_t>(rng() % static_cast<unsigned>(expected_us * 1.1 + 1)));
      ::kill(pid, SIGKILL);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      ++kills;
    } else {
      CHECK(WEXITSTATUS(status) == 0);
      double took =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      // A round the kill missed finished within `took`: a slow calibration
      // round (a busy machine) must not push the later kills past the end.
      if (calibrate || took < expected_us) expected_us = took;
    }
    ++rounds;
    check_consistent(root, alt, before, name + " round " + std::to_string(round));
    if (round % 20 == 19) {
      // A re-run finishes the job: no dead entries, no leftover files.
      auto st = mdbox_at(root, alt, "2k");
      st->purge();
      for (const auto& e : st->map().entries()) CHECK(e.refcount > 0);
      std::set<uint32_t> used;
      for (const auto& e : st->map().entries()) used.insert(e.file_id);
      for (const auto& d : {root + "/storage", alt + "/storage"})
        for (uint32_t id : mdbox_file_ids(d)) CHECK(used.count(id) == 1);
      check_consistent(root, alt, before, name + " after re-run");
    }
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(240)) {
      WARN("stopped after " << rounds << " rounds (time budget)");
      break;
    }
  }
  WARN(name << ": " << rounds << " rounds, " << kills << " killed mid-run");
  CHECK(kills >= rounds / 2);
  remove_tree(dir);
}

}  // namespace

TEST_CASE("mdbox purge: 200 SIGKILLs lose nothing, double nothing, a re-run completes",
          "[mdbox][crash]") {
  purge_kill_loop("purge", false, 777);
}

TEST_CASE("mdbox altmove: 200 SIGKILLs lose nothing, double nothing, a re-run completes",
          "[mdbox][crash]") {
  purge_kill_loop("altmove", true, 888);
}
