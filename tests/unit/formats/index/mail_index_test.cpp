#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "formats/index/index_state.hpp"
#include "formats/index/mail_index.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

using namespace roost;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/roost-index-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { remove_tree(path); }
};

MessageRecord rec(uint32_t uid, uint8_t flags = 0) {
  MessageRecord m;
  m.uid = uid;
  m.guid = "guid-" + std::to_string(uid);
  m.flags.system = flags;
  m.received_date = 1700000000 + uid;
  m.physical_size = 100 + uid;
  m.virtual_size = 110 + uid;
  m.locator = "cur/file" + std::to_string(uid);
  return m;
}

void append_bytes(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

}  // namespace

TEST_CASE("index commits survive reopen, one modseq per transaction", "[index]") {
  TempDir d;
  {
    auto idx = MailIndex::open(d.path);
    CHECK(idx->records().empty());
    auto t = idx->begin();
    IndexHeader h;
    h.uidvalidity = 1234;
    h.mailbox_guid = Guid128::generate();
    h.sync_stamp = "stamp";
    t.set_header(h);
    t.append(rec(1));
    t.append(rec(2, kFlagSeen));
    CHECK(t.commit() == 2);  // a new index starts at modseq 1, as Dovecot's
    auto t2 = idx->begin();
    MessageFlags f;
    f.system = kFlagFlagged;
    f.keywords = {"$Label1"};
    t2.update_flags(2, f);
    CHECK(t2.commit() == 3);
    auto t3 = idx->begin();
    t3.set_header(idx->header());  // header-only: no modseq
    CHECK(t3.commit() == 0);
  }
  auto idx = MailIndex::open(d.path);
  REQUIRE(idx->records().size() == 2);
  CHECK(idx->header().uidvalidity == 1234);
  CHECK(idx->header().uidnext == 3);
  CHECK(idx->header().highest_modseq == 3);
  CHECK(idx->header().sync_stamp == "stamp");
  CHECK(idx->find(1)->modseq == 2);
  CHECK(idx->find(2)->modseq == 3);
  CHECK(idx->find(2)->flags.keywords == std::vector<std::string>{"$Label1"});
  CHECK(idx->find(2)->locator == "cur/file2");
  CHECK(idx->keywords() == std::vector<std::string>{"$Label1"});
  CHECK(idx->changed_since(2).size() == 1);
}

TEST_CASE("index drops a torn log tail and the next commit cuts it", "[index]") {
  TempDir d;
  {
    auto idx = MailIndex::open(d.path);
    auto t = idx->begin();
    t.append(rec(1));
    t.commit();
  }
  std::string log = path_join(d.path, "roost.index.log");
  // Half a frame: a length that promises more bytes than follow.
  append_bytes(log, std::string("\x40\x00\x00\x00\x12\x34\x56\x78partial", 15));
  {
    auto idx = MailIndex::open(d.path);
    CHECK(idx->records().size() == 1);
    auto t = idx->begin();
    t.append(rec(2));
    t.commit();
  }
  auto idx = MailIndex::open(d.path);
  CHECK(idx->records().size() == 2);
  // A complete frame with a wrong CRC is dropped the same way.
  append_bytes(log, std::string("\x04\x00\x00\x00\x00\x00\x00\x00" "abcd", 12));
  auto idx2 = MailIndex::open(d.path);
  CHECK(idx2->records().size() == 2);
}

TEST_CASE("a corrupt index snapshot is reported as a data error", "[index]") {
  TempDir d;
  {
    auto idx = MailIndex::open(d.path);
    auto t = idx->begin();
    t.append(rec(1));
    t.commit();
    idx->compact();
  }
  std::string snap = path_join(d.path, "roost.index");
  std::string data = read_file(snap);
  data[data.size() - 3] ^= 0x55;
  write_file_atomic(snap, data);
  try {
    MailIndex::open(d.path);
    FAIL("corrupt snapshot was accepted");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    CHECK(std::string(e.what()).find("roost.index") != std::string::npos);
  }
  write_file_atomic(snap, "garbage");
  CHECK_THROWS_AS(MailIndex::open(d.path), Error);
  MailIndex::remove_files(d.path);
  CHECK(MailIndex::open(d.path)->records().empty());
}

TEST_CASE("expunges are remembered with their modseq and pruned with a marker", "[index]") {
  TempDir d;
  MailIndex::Options opt;
  opt.max_expunges = 2;
  auto idx = MailIndex::open(d.path, opt);
  {
    auto t = idx->begin();
    for (uint32_t u = 1; u <= 5; ++u) t.append(rec(u));
    t.commit();  // modseq 2
  }
  for (uint32_t u = 1; u <= 4; ++u) {
    auto t = idx->begin();
    t.expunge(u);
    t.commit();  // modseq u+2
  }
  auto ex = idx->expunges_since(4);
  REQUIRE(ex.size() == 2);
  CHECK(ex[0].uid == 3);
  CHECK(ex[0].modseq == 5);
  CHECK(ex[0].guid == "guid-3");
  CHECK(ex[1].uid == 4);
  CHECK(idx->expunges_known_since(0));
  idx->compact();
  CHECK(idx->expunges_since(0).size() == 2);
  CHECK_FALSE(idx->expunges_known_since(3));
  CHECK(idx->expunges_known_since(4));
  auto again = MailIndex::open(d.path, opt);
  CHECK(again->expunges_since(0).size() == 2);
  CHECK(again->records().size() == 1);
  CHECK(again->header().uidnext == 6);
}

TEST_CASE("an expunge keeps the header key it was given, through log and snapshot", "[index]") {
  TempDir d;
  auto idx = MailIndex::open(d.path, {});
  {
    auto t = idx->begin();
    for (uint32_t u = 1; u <= 3; ++u) t.append(rec(u));
    t.commit();
  }
  {
    auto t = idx->begin();
    t.expunge(1, "key-1");
    t.expunge(2);  // no key: as before keys existed
    t.commit();
  }
  auto check = [](MailIndex& i) {
    auto ex = i.expunges_since(0);
    REQUIRE(ex.size() == 2);
    CHECK(ex[0].uid == 1);
    CHECK(ex[0].hdr_key == "key-1");
    CHECK(ex[0].guid == "guid-1");
    CHECK(ex[1].uid == 2);
    CHECK(ex[1].hdr_key.empty());
  };
  check(*MailIndex::open(d.path, {}));  // from the log
  idx->compact();
  check(*MailIndex::open(d.path, {}));  // from the snapshot
  // A snapshot whose expunges have no key has no key section (old layout).
  IndexState st;
  st.expunges.push_back({5, "g", 3, ""});
  CHECK(IndexState::decode(st.encode(), "t").expunges.size() == 1);
  st.expunges[0].hdr_key = "k";
  std::string with_keys = st.encode();
  CHECK(IndexState::decode(with_keys, "t").expunges[0].hdr_key == "k");
  CHECK_THROWS_AS(IndexState::decode(with_keys.substr(0, with_keys.size() - 1), "t"), Error);
}

TEST_CASE("a second opener sees commits and compactions through refresh", "[index]") {
  TempDir d;
  MailIndex::Options opt;
  opt.compact_log_bytes = 600;  // compacts every few commits
  auto writer = MailIndex::open(d.path, opt);
  auto reader = MailIndex::open(d.path, opt);
  for (uint32_t u = 1; u <= 30; ++u) {
    auto t = writer->begin();
    t.append(rec(u));
    t.commit();
    if (u % 7 == 0) {
      CHECK(reader->refresh());
      CHECK(reader->records().size() == u);
      CHECK(reader->header().highest_modseq == u + 1);
    }
  }
  // The reader, stale by now, commits: it must apply the others' changes first.
  auto t = reader->begin();
  t.expunge(30);
  CHECK(t.commit() == 32);
  CHECK(reader->records().size() == 29);
  writer->refresh();
  CHECK(writer->records().size() == 29);
  CHECK(writer->header().uidnext == 31);
}

TEST_CASE("reset drops all records for a new uidvalidity", "[index]") {
  TempDir d;
  auto idx = MailIndex::open(d.path);
  auto t = idx->begin();
  t.append(rec(1));
  t.append(rec(7));
  t.commit();
  IndexHeader h;
  h.uidvalidity = 99;
  auto t2 = idx->begin();
  t2.reset(h);
  t2.append(rec(3));
  t2.commit();
  auto again = MailIndex::open(d.path);
  CHECK(again->records().size() == 1);
  CHECK(again->header().uidvalidity == 99);
  CHECK(again->header().uidnext == 4);
}

TEST_CASE("100k records load from a compacted index", "[index][.perf]") {
  TempDir d;
  MailIndex::Options opt;
  opt.fsync = false;
  {
    auto idx = MailIndex::open(d.path, opt);
    auto t = idx->begin();
    for (uint32_t u = 1; u <= 100000; ++u) t.append(rec(u, u % 3 ? kFlagSeen : 0));
    t.commit();
    idx->compact();
  }
  auto start = std::chrono::steady_clock::now();
  auto idx = MailIndex::open(d.path, opt);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  CHECK(idx->records().size() == 100000);
  WARN("loading 100k records took " << ms << " ms");
}
