// Implementation of storage_crash.hpp (named _test.cpp so the unit-test glob
// builds it into the test binary).
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "lib/strutil.hpp"
#include "tests/unit/formats/storage_crash.hpp"

namespace roost::test {

namespace {

void write_line(int fd, const std::string& line) {
  std::string l = line + "\n";
  if (::write(fd, l.data(), l.size()) < 0) _exit(3);
}

// Saves, changes flags and expunges forever, reporting each change on `fd`
// only after commit() returned ("S uid guid", "e uid" before an expunge,
// "E uid" after it, "X error").
[[noreturn]] void writer_child(const std::function<std::unique_ptr<MailStorage>()>& open_store,
                               int fd, unsigned seed) {
  try {
    std::mt19937 rng(seed);
    auto st = open_store();
    auto box = st->open_mailbox("INBOX");
    for (int i = 0;; ++i) {
      {
        auto t = box->begin();
        std::istringstream in("Subject: crash " + std::to_string(i) + "\nMessage-ID: <" +
                              std::to_string(seed) + "." + std::to_string(i) +
                              "@crash>\n\nbody\nFrom the start\n");
        SaveRequest req;
        if (i % 2) req.flags = parse_flag_list("\\Seen kw" + std::to_string(i % 3));
        uint32_t uid = t->save(in, req);
        t->commit();
        std::string guid;
        for (const auto& m : box->messages())
          if (m.uid == uid) guid = m.guid;
        write_line(fd, "S " + std::to_string(uid) + " " + guid);
      }
      const auto& msgs = box->messages();
      if (i % 3 == 2 && !msgs.empty()) {
        auto t = box->begin();
        t->update_flags(msgs[rng() % msgs.size()].uid, FlagOp::kReplace,
                        parse_flag_list("\\Flagged"));
        t->commit();
      }
      if (i % 4 == 3 && msgs.size() > 2) {
        uint32_t uid = msgs.front().uid;
        write_line(fd, "e " + std::to_string(uid));
        auto t = box->begin();
        t->expunge(uid);
        t->commit();
        write_line(fd, "E " + std::to_string(uid));
      }
    }
  } catch (const std::exception& e) {
    write_line(fd, std::string("X ") + e.what());
  }
  _exit(2);
}

}  // namespace

void run_storage_crash_rounds(const std::function<std::unique_ptr<MailStorage>()>& open_store,
                              const std::function<void()>& check_files, const CrashRounds& opt) {
  open_store()->open_mailbox("INBOX");
  std::mt19937 rng(opt.seed);
  std::map<uint32_t, std::string> ever;  // every UID -> GUID ever seen
  std::map<uint32_t, std::string> committed;
  std::set<uint32_t> expunge_started, expunged;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < opt.rounds; ++round) {
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(pipefd[0]);
      writer_child(open_store, pipefd[1], opt.seed * 1000 + static_cast<unsigned>(round));
    }
    ::close(pipefd[1]);
    ::usleep(static_cast<useconds_t>(rng() % opt.max_kill_delay_us));
    ::kill(pid, SIGKILL);
    int status;
    ::waitpid(pid, &status, 0);
    std::string reports;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) reports.append(buf, static_cast<size_t>(n));
    ::close(pipefd[0]);
    for (const auto& line : split(reports, '\n')) {
      if (line.size() < 2) continue;
      auto parts = split(line, ' ');
      INFO(line);
      REQUIRE(line[0] != 'X');
      if (parts.size() < 2) continue;  // torn report from the kill
      auto uid = parse_u32(parts[1]);
      if (!uid) continue;
      if (line[0] == 'S' && parts.size() == 3) committed[*uid] = parts[2];
      if (line[0] == 'e') expunge_started.insert(*uid);
      if (line[0] == 'E') expunged.insert(*uid);
    }

    auto st = open_store();
    auto box = st->open_mailbox("INBOX");
    std::map<uint32_t, std::string> now;
    std::set<std::string> guids_now;
    for (const auto& m : box->messages()) {
      now[m.uid] = m.guid;
      INFO("round " << round << " guid " << m.guid);
      REQUIRE(guids_now.insert(m.guid).second);  // no message doubled
    }
    for (const auto& [uid, guid] : committed) {
      INFO("round " << round << " uid " << uid);
      if (expunged.count(uid)) {
        CHECK(now.count(uid) == 0);
      } else if (!expunge_started.count(uid)) {
        REQUIRE(now.count(uid) == 1);
        CHECK(now[uid] == guid);
      }
    }
    for (const auto& [uid, guid] : now) {
      INFO("round " << round << " uid " << uid);
      auto it = ever.find(uid);
      if (it != ever.end()) REQUIRE(it->second == guid);  // a UID never changes message
      ever[uid] = guid;
    }
    std::map<std::string, uint32_t> by_guid;  // nor does a GUID move to another UID
    for (const auto& [uid, guid] : ever) {
      INFO("guid " << guid);
      REQUIRE(by_guid.emplace(guid, uid).second);
    }
    if (check_files) check_files();
    if (std::chrono::steady_clock::now() - start > opt.budget) {
      WARN("stopped after " << round + 1 << " rounds (time budget)");
      break;
    }
  }
  CHECK(committed.size() > 0);
  WARN("crash test: " << committed.size() << " committed saves, " << ever.size()
                      << " UIDs seen");
}

}  // namespace roost::test
