// Kills an mbox writer with SIGKILL at random instants and checks that the
// mbox always opens, no committed message is lost or doubled and no UID is
// ever reused for another message.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "formats/mbox/mbox_parser.hpp"
#include "formats/mbox/mbox_storage.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

using namespace roost;

namespace {

std::unique_ptr<MboxStorage> open_store(const std::string& root) {
  MailLocation loc;
  loc.format = "mbox";
  loc.root = root;
  loc.inbox = root + "/inbox";
  return std::make_unique<MboxStorage>(loc, StorageSettings{});
}

void write_line(int fd, const std::string& line) {
  std::string l = line + "\n";
  if (::write(fd, l.data(), l.size()) < 0) _exit(3);
}

// Saves, changes flags and expunges forever, reporting each change on `fd`
// only after commit() returned.
[[noreturn]] void writer_child(const std::string& root, int fd, unsigned seed) {
  try {
    std::mt19937 rng(seed);
    auto st = open_store(root);
    auto box = st->open_mailbox("INBOX");
    for (int i = 0;; ++i) {
      {
        auto t = box->begin();
        std::string id = std::to_string(seed) + "." + std::to_string(i);
        std::istringstream in("Subject: crash " + id + "\nMessage-ID: <" + id +
                              "@crash>\n\nbody\nFrom the start\n");
        SaveRequest req;
        if (i % 2) req.flags = parse_flag_list("\\Seen kw" + std::to_string(i % 3));
        t->save(in, req);
        t->commit();
        const MessageRecord& m = box->messages().back();
        write_line(fd, "S " + std::to_string(m.uid) + " " + m.guid);
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

TEST_CASE("mbox: SIGKILL at any instant loses nothing committed and reuses no UID",
          "[mbox][crash]") {
  char tmpl[] = "/tmp/roost-mbox-crash-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string root = std::string(tmpl) + "/mail";
  open_store(root)->create_mailbox("INBOX");
  std::mt19937 rng(4242);
  std::map<uint32_t, std::string> ever, committed;
  std::set<uint32_t> expunge_started, expunged;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 200; ++round) {
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(pipefd[0]);
      writer_child(root, pipefd[1], static_cast<unsigned>(round));
    }
    ::close(pipefd[1]);
    ::usleep(static_cast<useconds_t>(rng() % 30000));
    ::kill(pid, SIGKILL);
    int status;
    ::waitpid(pid, &status, 0);
    std::string reports;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0)
      reports.append(buf, static_cast<size_t>(n));
    ::close(pipefd[0]);
    for (const auto& line : split(reports, '\n')) {
      if (line.size() < 2) continue;
      INFO(line);
      REQUIRE(line[0] != 'X');
      auto parts = split(line, ' ');
      if (parts.size() < 2) continue;
      auto uid = parse_u32(parts[1]);
      if (!uid) continue;
      if (line[0] == 'S' && parts.size() == 3 && parts[2].size() == 32) committed[*uid] = parts[2];
      if (line[0] == 'e') expunge_started.insert(*uid);
      if (line[0] == 'E') expunged.insert(*uid);
    }

    auto st = open_store(root);
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
    // The file itself is consistent: every message has its UID, ascending.
    auto scan = parse_mbox(read_file(root + "/inbox"));
    CHECK_FALSE(scan.needs_rewrite);
    CHECK(scan.mails.size() == now.size());
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(55)) {
      WARN("stopped after " << round + 1 << " rounds (time budget)");
      break;
    }
  }
  CHECK(committed.size() > 0);
  WARN("mbox crash test: " << committed.size() << " committed saves, " << ever.size()
                           << " UIDs seen");
  remove_tree(tmpl);
}
