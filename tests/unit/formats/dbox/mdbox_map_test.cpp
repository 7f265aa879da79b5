// The mdbox map's own files: compact entries, the log replayed by a second
// reader, compaction, a torn log tail, bulk removes, and the conversion of a
// map kept by older Roost versions in roost.index*.
#include <fcntl.h>
#include <unistd.h>

#include "formats/dbox/mdbox_map.hpp"
#include "formats/index/mail_index.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/formats/dbox/mdbox_test_util.hpp"

using namespace roost;
using namespace roost::test;

namespace {

uint64_t file_size_of(const std::string& path) {
  return read_file(path).size();
}

MdboxMapHeader header_with(uint32_t uidvalidity, uint32_t highest_file) {
  MdboxMapHeader h;
  h.uid_validity = uidvalidity;
  h.highest_file_id = highest_file;
  return h;
}

// Every entry of `m`, checked against a second map reading the files fresh.
void check_same_as_fresh(MdboxMap& m) {
  MdboxMap fresh(m.dir(), false);
  REQUIRE(fresh.entries() == m.entries());
  CHECK(fresh.header().uid_validity == m.header().uid_validity);
  CHECK(fresh.header().highest_file_id == m.header().highest_file_id);
}

}  // namespace

TEST_CASE("mdbox map: entries, refcounts, moves and removes survive a reopen", "[mdbox]") {
  std::string dir = mdbox_tmp();
  make_dirs(dir);
  MdboxMap m(dir, false);
  CHECK(m.entries().empty());
  CHECK(m.header().uid_validity == 0);
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    t.set_header(header_with(42, 2));
    CHECK(t.append(1, 16, 100, 1) == 1);
    CHECK(t.append(1, 116, 200, 1) == 2);
    CHECK(t.append(2, 16, 300, 1) == 3);
    t.commit();
  }
  REQUIRE(m.entries().size() == 3);
  CHECK(m.find(2)->offset == 116);
  CHECK(m.entries_in_file(1).size() == 2);
  check_same_as_fresh(m);

  MdboxMap other(dir, false);  // a second process's view, loaded before the changes
  REQUIRE(other.entries().size() == 3);
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    t.add_ref(1, +1);
    t.move(2, 3, 16, 200);
    t.remove(3);
    t.commit();
  }
  other.refresh();
  REQUIRE(other.entries().size() == 2);
  CHECK(other.find(1)->refcount == 2);
  CHECK(other.find(2)->file_id == 3);
  CHECK(other.find(3) == nullptr);
  CHECK(other.entries_in_file(1).size() == 1);
  CHECK(other.entries_in_file(2).empty());
  CHECK(other.entries_in_file(3).size() == 1);
  // A removed UID is never given out again.
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    CHECK(t.append(1, 400, 10, 1) == 4);
    t.commit();
  }
  check_same_as_fresh(m);
  remove_tree(dir);
}

TEST_CASE("mdbox map: thousands of commits compact; bulk removes and a reset", "[mdbox]") {
  std::string dir = mdbox_tmp();
  make_dirs(dir);
  MdboxMap m(dir, false);
  MdboxMap reader(dir, false);
  CHECK(reader.entries().empty());
  // ~40 KB of log per 100 commits: past 1 MiB the log is folded into the
  // snapshot, which a reader holding the old files must notice.
  for (uint32_t c = 0; c < 400; ++c) {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    for (uint32_t i = 0; i < 100; ++i) t.append(1 + c / 50, 16 + i * 100, 100, 1);
    t.commit();
  }
  REQUIRE(m.entries().size() == 40000);
  CHECK(file_size_of(dir + "/roost.map.log") < (1u << 20) + 4096);
  CHECK(file_size_of(dir + "/roost.map") >= 30000 * 28);  // compacted at least once
  reader.refresh();
  CHECK(reader.entries() == m.entries());
  // Every other entry removed in one transaction, one moved.
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    for (uint32_t uid = 1; uid <= 40000; uid += 2) t.remove(uid);
    t.move(2, 99, 16, 100);
    t.commit();
  }
  REQUIRE(m.entries().size() == 20000);
  CHECK(m.find(1) == nullptr);
  CHECK(m.find(2)->file_id == 99);
  CHECK(m.entries_in_file(1).size() == 2499);  // UIDs 1..5000, odd ones and 2 gone
  reader.refresh();
  CHECK(reader.entries() == m.entries());
  check_same_as_fresh(m);
  // A reset (rebuild) with entries out of UID order.
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    t.reset(header_with(7, 5));
    t.append_entry({30, 5, 16, 10, 1});
    t.append_entry({10, 4, 16, 10, 2});
    t.append_entry({20, 4, 26, 10, 1});
    t.commit();
  }
  REQUIRE(m.entries().size() == 3);
  CHECK(m.entries()[0].map_uid == 10);
  CHECK(m.entries()[2].map_uid == 30);
  CHECK(m.header().uid_validity == 7);
  reader.refresh();
  CHECK(reader.entries() == m.entries());
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    CHECK(t.append(5, 36, 10, 1) == 31);
    t.commit();
  }
  check_same_as_fresh(m);
  remove_tree(dir);
}

TEST_CASE("mdbox map: a torn log tail is ignored and cut by the next writer", "[mdbox]") {
  std::string dir = mdbox_tmp();
  make_dirs(dir);
  {
    MdboxMap m(dir, false);
    for (int c = 0; c < 2; ++c) {
      auto lock = m.lock();
      MdboxMap::Txn t(m);
      t.append(1, 16 + c * 100, 100, 1);
      t.commit();
    }
  }
  std::string log = read_file(dir + "/roost.map.log");
  // Half a frame of a third commit, as a kill during the write leaves it.
  std::string torn = log + std::string("\x30\x00\x00\x00\x01\x02", 6);
  write_file_atomic(dir + "/roost.map.log", torn);
  MdboxMap m(dir, false);
  REQUIRE(m.entries().size() == 2);
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    CHECK(t.append(1, 216, 100, 1) == 3);
    t.commit();
  }
  check_same_as_fresh(m);
  CHECK(MdboxMap(dir, false).entries().size() == 3);
  // A damaged snapshot is an error that says how to rebuild.
  std::string snap = read_file(dir + "/roost.map");
  snap[snap.size() - 3] ^= 0x55;
  write_file_atomic(dir + "/roost.map", snap);
  MdboxMap bad(dir, false);
  try {
    bad.entries();
    FAIL("a damaged map must not load");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("force-resync") != std::string::npos);
  }
  remove_tree(dir);
}

TEST_CASE("mdbox map: a map in the older roost.index files is converted", "[mdbox]") {
  std::string dir = mdbox_tmp();
  make_dirs(dir);
  {
    // What older Roost versions wrote: MailIndex records with locators.
    auto old = MailIndex::open(dir);
    auto t = old->begin();
    IndexHeader h;
    h.uidvalidity = 1234;
    h.sync_stamp = "h=3 dv=abc";
    t.set_header(h);
    for (uint32_t uid : {1u, 2u, 5u}) {
      MessageRecord r;
      r.uid = uid;
      r.locator = encode_mdbox_map_locator({uid, uid == 5 ? 3u : 1u, 16u * uid, 100, uid});
      t.append(r);
    }
    t.commit();
    auto t2 = old->begin();
    t2.expunge(5);  // UID 5 gone, but never given out again
    t2.commit();
  }
  MdboxMap m(dir, false);
  REQUIRE(m.entries().size() == 2);
  CHECK(m.find(2)->offset == 32);
  CHECK(m.find(2)->refcount == 2);
  CHECK(m.header().uid_validity == 1234);
  CHECK(m.header().highest_file_id == 3);
  CHECK(m.header().dovecot_signature == "abc");
  CHECK_FALSE(path_exists(dir + "/roost.index"));
  CHECK_FALSE(path_exists(dir + "/roost.index.log"));
  CHECK(path_exists(dir + "/roost.map"));
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    CHECK(t.append(1, 500, 10, 1) == 6);
    t.commit();
  }
  check_same_as_fresh(m);
  remove_tree(dir);
}

TEST_CASE("mdbox map: the header alone follows other writers; entries load when asked", "[mdbox]") {
  std::string dir = mdbox_tmp();
  make_dirs(dir);
  MdboxMap m(dir, false);
  {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    t.set_header(header_with(9, 1));
    t.append(1, 16, 100, 1);
    t.commit();
  }
  MdboxMap reader(dir, false);
  CHECK(reader.header().uid_validity == 9);  // header only: no entries built
  for (uint32_t round = 2; round <= 3; ++round) {
    auto lock = m.lock();
    MdboxMap::Txn t(m);
    t.set_header(header_with(9, round));
    t.append(round, 16, 100, 1);
    t.commit();
  }
  CHECK(reader.header().highest_file_id == 1);  // not refreshed yet
  reader.refresh();
  CHECK(reader.header().highest_file_id == 3);
  REQUIRE(reader.entries().size() == 3);
  CHECK(reader.find(3)->file_id == 3);
  CHECK(reader.header().highest_file_id == 3);
  remove_tree(dir);
}
