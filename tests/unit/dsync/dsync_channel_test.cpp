// The channels' spill to disk: with a small memory bound, what a sender
// queues while nobody reads goes to an unlinked file in $TMPDIR and comes
// back complete and in order, over the in-process pair and the byte stream.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "dsync/dsync_channel.hpp"
#include "lib/error.hpp"

namespace roost::dsync {
namespace {

namespace fs = std::filesystem;

// Points $TMPDIR at a fresh directory for the test's lifetime.
struct TmpDir {
  fs::path dir;
  std::string old;
  bool had_old = false;
  TmpDir() {
    dir = fs::temp_directory_path() / ("roost-spill-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    if (const char* o = std::getenv("TMPDIR")) {
      old = o;
      had_old = true;
    }
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~TmpDir() {
    if (had_old)
      ::setenv("TMPDIR", old.c_str(), 1);
    else
      ::unsetenv("TMPDIR");
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  // Open descriptors of this process on a file in `dir` (unlinked ones too).
  int open_files() const {
    int n = 0;
    for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
      std::error_code ec;
      auto target = fs::read_symlink(e.path(), ec).string();
      if (!ec && target.rfind(dir.string() + "/", 0) == 0) ++n;
    }
    return n;
  }
};

// A body that tells where it belongs: size varies, content depends on i.
std::string body_for(int i, size_t size) {
  std::string b = "Subject: mail " + std::to_string(i) + "\n\n";
  while (b.size() < size) b += "line " + std::to_string(i) + " .x\n.\n";
  b.resize(size);
  return b;
}

Mail mail(int i, size_t size) {
  Mail m;
  m.guid = "guid-" + std::to_string(i);
  m.uid = static_cast<uint32_t>(i + 1);
  m.received_date = 1700000000 + i;
  m.has_body = true;
  m.body = body_for(i, size);
  return m;
}

size_t size_for(int i) {
  if (i == 7) return 3u << 20;  // one large body, far above the bound
  return 100 + static_cast<size_t>(i % 13) * 700;
}

// Sends `n` mails interleaved with mail changes, then EndOfList.
void send_all(Channel& ch, int n) {
  for (int i = 0; i < n; ++i) {
    MailChange c;
    c.uid = static_cast<uint32_t>(i + 1);
    c.guid = "guid-" + std::to_string(i);
    ch.send(c);
    ch.send(mail(i, size_for(i)));
  }
  ch.send(EndOfList{});
}

void receive_all(Channel& ch, int n) {
  for (int i = 0; i < n; ++i) {
    Item c = ch.receive();
    REQUIRE(std::holds_alternative<MailChange>(c));
    CHECK(std::get<MailChange>(c).uid == static_cast<uint32_t>(i + 1));
    Item it = ch.receive();
    REQUIRE(std::holds_alternative<Mail>(it));
    const auto& m = std::get<Mail>(it);
    CHECK(m.guid == "guid-" + std::to_string(i));
    CHECK(m.uid == static_cast<uint32_t>(i + 1));
    REQUIRE(m.body.size() == size_for(i));
    CHECK(m.body == body_for(i, size_for(i)));
  }
  CHECK(std::holds_alternative<EndOfList>(ch.receive()));
}

}  // namespace

TEST_CASE("dsync channel pair: beyond the memory bound, mails spill to disk, in order",
          "[dsync]") {
  TmpDir tmp;
  auto [a, b] = make_channel_pair(4096);
  CHECK(tmp.open_files() == 0);
  // Nobody reads while a sends everything (a two-way sync's send phase).
  send_all(*a, 200);
  CHECK(tmp.open_files() == 1);  // the spill file, already unlinked
  CHECK(fs::is_empty(tmp.dir));
  receive_all(*b, 200);

  SECTION("drained, the queue spills again and still delivers in order") {
    send_all(*a, 50);
    receive_all(*b, 50);
  }
  SECTION("after close, the rest is delivered, then receive() fails") {
    a->send(mail(1, 9000));
    a->send(Done{});
    a->close();
    CHECK(std::get<Mail>(b->receive()).body == body_for(1, 9000));
    CHECK(std::holds_alternative<Done>(b->receive()));
    CHECK_THROWS_AS(b->receive(), Error);
  }
}

TEST_CASE("dsync channel pair: a long change list spills as wire lines, comes back whole",
          "[dsync]") {
  TmpDir tmp;
  auto [a, b] = make_channel_pair(4096);  // list items beyond 256 bytes go to the file
  auto change = [](uint32_t i) {
    MailChange c;
    c.type = i % 7 ? 's' : 'e';
    c.uid = i;
    c.guid = "1700000000.M" + std::to_string(i) + "P1.host,S=100,W=102";
    c.hdr_hash = i % 3 ? "" : "0123456789abcdef0123456789abcdef";
    c.modseq = 1000 + i;
    c.final_flags = static_cast<uint8_t>(i % 0x20);
    if (i % 5 == 0) c.keyword_changes = {"=$Label" + std::to_string(i % 4), "=Work"};
    return c;
  };
  for (uint32_t i = 1; i <= 2000; ++i) a->send(change(i));
  a->send(MailRequest{"g-last", 7});
  a->send(EndOfList{});
  CHECK(tmp.open_files() == 1);  // the spill file, already unlinked
  for (uint32_t i = 1; i <= 2000; ++i) {
    INFO(i);
    auto got = std::get<MailChange>(b->receive());
    MailChange want = change(i);
    CHECK(got.type == want.type);
    CHECK(got.uid == want.uid);
    CHECK(got.guid == want.guid);
    CHECK(got.hdr_hash == want.hdr_hash);
    if (want.type == 's') {
      CHECK(got.modseq == want.modseq);
      CHECK(got.final_flags == want.final_flags);
      CHECK(got.keyword_changes == want.keyword_changes);
    }
  }
  auto r = std::get<MailRequest>(b->receive());
  CHECK((r.guid == "g-last" && r.uid == 7));
  CHECK(std::holds_alternative<EndOfList>(b->receive()));
}

TEST_CASE("dsync channel pair: both sides sending at once never block", "[dsync]") {
  TmpDir tmp;
  auto [a, b] = make_channel_pair(8192);
  std::thread t([&, &b = b] {
    send_all(*b, 300);
    receive_all(*b, 300);
  });
  send_all(*a, 300);
  receive_all(*a, 300);
  t.join();
}

TEST_CASE("dsync stream channel: an unread peer's queue spills to disk, bytes in order",
          "[dsync]") {
  TmpDir tmp;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  {
    auto a = make_stream_channel(fds[0], fds[0], true, 4096);
    auto b = make_stream_channel(fds[1], fds[1], true, 4096);
    // Both send everything before either reads: the socket buffer fills and
    // the writer threads' queues take the rest, mostly in their spill files.
    send_all(*a, 200);
    send_all(*b, 200);
    CHECK(tmp.open_files() >= 1);
    receive_all(*b, 200);
    receive_all(*a, 200);
    a->send(Done{});
    a->close();
    CHECK(std::holds_alternative<Done>(b->receive()));
    CHECK_THROWS_AS(b->receive(), Error);
  }
  CHECK(tmp.open_files() == 0);
}

}  // namespace roost::dsync
