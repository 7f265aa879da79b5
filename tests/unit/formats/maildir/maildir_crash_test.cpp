// Kills a writer with SIGKILL at random instants and checks that the store
// always opens, no committed message is lost and no UID is ever reused.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "formats/maildir/maildir_filename.hpp"
#include "formats/maildir/maildir_uidlist.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"
#include "maildir_test_util.hpp"

using namespace roost;
using namespace roost::test;

namespace {

void write_line(int fd, const std::string& line) {
  std::string l = line + "\n";
  if (::write(fd, l.data(), l.size()) < 0) _exit(3);
}

// The child: saves, changes flags and expunges forever, reporting each
// committed change on `fd` only after commit() returned.
[[noreturn]] void writer_child(const std::string& root, int fd, unsigned seed) {
  try {
    std::mt19937 rng(seed);
    auto st = open_maildir(root, '/');
    auto box = st->open_mailbox("INBOX");
    for (int i = 0;; ++i) {
      {
        auto t = box->begin();
        std::istringstream in("Subject: crash " + std::to_string(i) + "\n\nbody\n");
        SaveRequest req;
        if (i % 2) req.flags = parse_flag_list("\\Seen kw" + std::to_string(i % 3));
        uint32_t uid = t->save(in, req);
        t->commit();
        const MessageRecord& m = box->messages().back();
        write_line(fd, "S " + std::to_string(uid) + " " + m.guid);
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

TEST_CASE("maildir: SIGKILL at any instant loses nothing committed and reuses no UID",
          "[maildir][crash]") {
  TempDir t;
  std::string root = t.path + "/Maildir";
  open_maildir(root, '/')->open_mailbox("INBOX");
  std::mt19937 rng(12345);
  std::map<uint32_t, std::string> ever;  // every UID -> GUID ever seen
  std::map<uint32_t, std::string> committed;
  std::set<uint32_t> expunge_started, expunged;
  auto start = std::chrono::steady_clock::now();
  const int kRounds = 200;
  for (int round = 0; round < kRounds; ++round) {
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(pipefd[0]);
      writer_child(root, pipefd[1], static_cast<unsigned>(round));
    }
    ::close(pipefd[1]);
    ::usleep(static_cast<useconds_t>(rng() % 20000));
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

    // The store opens, and says what was committed.
    auto st = open_maildir(root, '/');
    auto box = st->open_mailbox("INBOX");
    std::map<uint32_t, std::string> now;
    for (const auto& m : box->messages()) now[m.uid] = m.guid;
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
    // A GUID never moves to another UID either.
    std::map<std::string, uint32_t> by_guid;
    for (const auto& [uid, guid] : ever) {
      INFO("guid " << guid);
      REQUIRE(by_guid.emplace(guid, uid).second);
    }
    // dovecot-uidlist lists exactly the files, below N.
    auto parsed = parse_uidlist(read_file(root + "/dovecot-uidlist"));
    REQUIRE(parsed.error.empty());
    std::set<std::string> files;
    for (const char* sub : {"new", "cur"})
      for (const auto& f : list_dir(root + "/" + sub)) files.insert(parse_maildir_filename(f).base);
    std::set<std::string> listed;
    for (const auto& r : parsed.list.records) {
      listed.insert(r.name);
      CHECK(r.uid < parsed.list.next_uid);
    }
    CHECK(listed == files);
    CHECK(box->status().uidnext == parsed.list.next_uid);
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(55)) {
      WARN("stopped after " << round + 1 << " rounds (time budget)");
      break;
    }
  }
  CHECK(committed.size() > 0);
  WARN("crash test: " << committed.size() << " committed saves, " << ever.size() << " UIDs seen");
}
