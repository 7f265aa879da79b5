// The STATUS counters an index keeps in its summary (snapshot head and log
// frames) must always equal a recount of its records.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "formats/index/index_codec.hpp"
#include "formats/index/index_state.hpp"
#include "formats/index/index_status.hpp"
#include "formats/index/mail_index.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace roost;
using roost::test::TempDir;

namespace {

// Maildir-like: recent from the first recent UID on, while in new/.
bool in_new_recent(const MessageRecord& m, uint32_t first_recent_uid) {
  return m.uid >= first_recent_uid && m.locator.compare(0, 4, "new/") == 0;
}

MessageRecord rec(uint32_t uid, uint8_t flags, bool in_new, uint64_t vsize) {
  MessageRecord m;
  m.uid = uid;
  m.guid = "g" + std::to_string(uid);
  m.flags.system = flags;
  m.virtual_size = vsize;
  m.physical_size = vsize;
  m.locator = std::string(in_new ? "new/" : "cur/") + std::to_string(uid);
  return m;
}

// The status a driver would compute from its records, the way it did
// before the counters existed.
MailboxStatus recount(MailIndex& idx, bool mark_recent) {
  std::vector<MessageRecord> shown = idx.records();
  for (auto& m : shown) {
    bool recent = in_new_recent(m, idx.header().first_recent_uid);
    if (mark_recent)
      m.flags.system =
          static_cast<uint8_t>((m.flags.system & ~kFlagRecent) | (recent ? kFlagRecent : 0));
    else if (recent)
      m.flags.system |= kFlagRecent;
  }
  return status_from_index(idx.header(), shown);
}

void check_same(const MailboxStatus& a, const MailboxStatus& b) {
  CHECK(a.messages == b.messages);
  CHECK(a.recent == b.recent);
  CHECK(a.unseen == b.unseen);
  CHECK(a.first_unseen_seq == b.first_unseen_seq);
  CHECK(a.vsize == b.vsize);
  CHECK(a.uidnext == b.uidnext);
  CHECK(a.uidvalidity == b.uidvalidity);
  CHECK(a.highest_modseq == b.highest_modseq);
  CHECK(a.guid == b.guid);
}

// Random transactions against a writer; after each, a lazily opened reader
// (summary only), the writer's own counters and a full recount agree.
void random_workload(bool mark_recent, uint32_t seed) {
  TempDir d("roost-counters");
  MailIndex::Options opt;
  opt.fsync = false;
  opt.recent_rule = in_new_recent;
  opt.mark_recent = mark_recent;
  opt.compact_log_bytes = 4096;  // compactions happen along the way
  auto writer = MailIndex::open(d.path, opt);
  MailIndex::Options lazy = opt;
  lazy.lazy = true;
  auto reader = MailIndex::open(d.path, lazy);
  std::mt19937 rng(seed);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  uint32_t uidvalidity = 100;
  for (int round = 0; round < 300; ++round) {
    auto t = writer->begin();
    const auto& recs = writer->records();
    auto some_uid = [&]() -> uint32_t {
      if (recs.empty() || pick(8) == 0) return 1 + pick(writer->header().uidnext + 2);
      return recs[pick(static_cast<uint32_t>(recs.size()))].uid;
    };
    int ops = 1 + static_cast<int>(pick(6));
    for (int i = 0; i < ops; ++i) {
      uint8_t flags = static_cast<uint8_t>(pick(2) ? kFlagSeen : 0) |
                      static_cast<uint8_t>(pick(3) == 0 ? kFlagFlagged : 0) |
                      static_cast<uint8_t>(pick(10) == 0 ? kFlagRecent : 0);
      switch (pick(round % 50 == 49 ? 7 : 6)) {
        case 0:
        case 1: {
          uint32_t uid = pick(4) == 0 ? some_uid() : writer->header().uidnext + pick(3);
          t.append(rec(uid, flags, pick(2), 100 + pick(1000)));
          break;
        }
        case 2: {
          MessageFlags f;
          f.system = flags;
          if (pick(3) == 0) f.keywords = {"$k" + std::to_string(pick(4))};
          t.update_flags(some_uid(), f);
          break;
        }
        case 3:
          t.update(rec(some_uid(), flags, pick(2), 50 + pick(500)));
          break;
        case 4:
          t.expunge(some_uid());
          break;
        case 5: {
          IndexHeader h = writer->header();
          h.first_recent_uid = 1 + pick(h.uidnext + 1);
          h.sync_stamp = "s" + std::to_string(round);
          t.set_header(h);
          break;
        }
        case 6: {
          IndexHeader h;
          h.uidvalidity = ++uidvalidity;
          h.first_recent_uid = 1 + pick(5);
          t.reset(h);
          break;
        }
      }
    }
    t.commit();
    MailboxStatus expect = recount(*writer, mark_recent);
    check_same(status_from_index(writer->header(), writer->counters()), expect);
    reader->refresh();
    CHECK_FALSE(reader->loaded());
    check_same(status_from_index(reader->header(), reader->counters()), expect);
    if (round % 37 == 0) {
      auto fresh = MailIndex::open(d.path, lazy);
      CHECK_FALSE(fresh->loaded());
      check_same(status_from_index(fresh->header(), fresh->counters()), expect);
      // Loading the records changes nothing the summary said.
      fresh->load();
      check_same(status_from_index(fresh->header(), fresh->counters()), expect);
      check_same(recount(*fresh, mark_recent), expect);
    }
  }
}

std::string v1_snapshot(const IndexState& st, uint64_t gen) {
  index_codec::Writer w;
  w.raw("ROOSTIX1");
  w.u32(1);
  size_t crc_pos = w.size();
  w.u32(0);
  w.u64(gen);
  std::string body = st.encode();
  w.u64(body.size());
  w.raw(body);
  w.patch_u32(crc_pos, index_codec::crc32_of(std::string_view(w.data()).substr(crc_pos + 4)));
  return std::move(w.data());
}

std::string v1_log(uint64_t gen, const std::vector<IndexTransactionRecord>& txns) {
  index_codec::Writer w;
  w.raw("ROOSTLG1");
  w.u32(1);
  w.u64(gen);
  for (const auto& t : txns) {
    std::string payload = encode_transaction(t);
    w.u32(static_cast<uint32_t>(payload.size()));
    w.u32(index_codec::crc32_of(payload));
    w.raw(payload);
  }
  return std::move(w.data());
}

uint32_t file_version(const std::string& path) {
  std::string data = read_file(path);
  REQUIRE(data.size() >= 12);
  return index_codec::Reader(data.substr(8, 4), path).u32();
}

}  // namespace

TEST_CASE("index counters match a recount after random transactions", "[index]") {
  SECTION("records present \\Recent by the rule") {
    random_workload(true, 7);
  }
  SECTION("\\Recent is the stored flag or the rule") {
    random_workload(false, 11);
  }
}

TEST_CASE("an index written before the counters opens and is upgraded by the next write",
          "[index]") {
  TempDir d("roost-counters");
  IndexState st;
  st.header.uidvalidity = 42;
  st.header.uidnext = 4;
  st.header.highest_modseq = 5;
  st.header.first_recent_uid = 2;
  st.records = {rec(1, kFlagSeen, false, 10), rec(2, 0, true, 20), rec(3, 0, false, 30)};
  write_file_atomic(path_join(d.path, "roost.index"), v1_snapshot(st, 3));
  IndexTransactionRecord t;
  t.modseq = 6;
  IndexOp op{IndexOp::kAppend, rec(5, 0, true, 50), {}, {}};
  t.ops.push_back(op);
  write_file_atomic(path_join(d.path, "roost.index.log"), v1_log(3, {t}));

  MailIndex::Options opt;
  opt.fsync = false;
  opt.recent_rule = in_new_recent;
  opt.lazy = true;
  auto idx = MailIndex::open(d.path, opt);
  CHECK(idx->loaded());  // no summary to read: loaded whole
  MailboxStatus st1 = status_from_index(idx->header(), idx->counters());
  CHECK(st1.messages == 4);
  CHECK(st1.recent == 2);  // 2 and 5: in new/ from UID 2 on
  CHECK(st1.unseen == 3);
  CHECK(st1.first_unseen_seq == 2);
  CHECK(st1.vsize == 110);
  CHECK(st1.uidnext == 6);
  CHECK(st1.highest_modseq == 6);
  check_same(st1, recount(*idx, false));
  CHECK(file_version(path_join(d.path, "roost.index")) == 1);

  // A reader-only open leaves the files alone; the first commit rewrites them.
  auto w = idx->begin();
  MessageFlags seen;
  seen.system = kFlagSeen;
  w.update_flags(2, seen);
  w.commit();
  CHECK(file_version(path_join(d.path, "roost.index")) == 2);
  CHECK(file_version(path_join(d.path, "roost.index.log")) == 2);
  auto again = MailIndex::open(d.path, opt);
  CHECK_FALSE(again->loaded());
  MailboxStatus st2 = status_from_index(again->header(), again->counters());
  CHECK(st2.messages == 4);
  CHECK(st2.unseen == 2);
  CHECK(st2.first_unseen_seq == 3);
  check_same(st2, recount(*again, false));
}

TEST_CASE("a lazily opened index reads the summary and loads records on use", "[index]") {
  TempDir d("roost-counters");
  MailIndex::Options opt;
  opt.fsync = false;
  {
    auto idx = MailIndex::open(d.path, opt);
    auto t = idx->begin();
    for (uint32_t u = 1; u <= 50; ++u) t.append(rec(u, u > 40 ? 0 : kFlagSeen, false, u));
    t.commit();
    idx->compact();
    auto t2 = idx->begin();
    t2.expunge(45);
    t2.commit();
  }
  MailIndex::Options lazy = opt;
  lazy.lazy = true;
  auto idx = MailIndex::open(d.path, lazy);
  CHECK_FALSE(idx->loaded());
  CHECK(idx->counters().messages == 49);
  CHECK(idx->counters().unseen == 9);
  CHECK(idx->counters().first_unseen_seq == 41);
  CHECK(idx->header().uidnext == 51);
  CHECK(idx->find(45) == nullptr);  // loads
  CHECK(idx->loaded());
  CHECK(idx->records().size() == 49);

  // A torn tail: the summary of the last good frame, the same as a full load.
  std::string log = path_join(d.path, "roost.index.log");
  std::string data = read_file(log);
  write_file_atomic(log, data + std::string("\x30\x00\x00\x00garbage", 11));
  auto torn = MailIndex::open(d.path, lazy);
  CHECK(torn->counters().messages == 49);
  CHECK(torn->header().highest_modseq == idx->header().highest_modseq);

  // A corrupt body is found when the records are first needed.
  write_file_atomic(log, data);
  std::string snap = path_join(d.path, "roost.index");
  std::string s = read_file(snap);
  s[s.size() - 3] ^= 0x55;
  write_file_atomic(snap, s);
  auto bad = MailIndex::open(d.path, lazy);
  CHECK(bad->counters().messages == 49);
  try {
    bad->load();
    FAIL("corrupt snapshot body was accepted");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
  }
  CHECK_THROWS_AS(MailIndex::open(d.path, opt), Error);  // not lazy: at open
}

TEST_CASE("a transaction that is most of the index goes into the snapshot at once", "[index]") {
  TempDir d("roost-counters");
  MailIndex::Options opt;
  opt.fsync = false;
  auto idx = MailIndex::open(d.path, opt);
  auto t = idx->begin();
  for (uint32_t u = 1; u <= 2000; ++u) t.append(rec(u, 0, false, u));
  t.commit();
  std::string log = path_join(d.path, "roost.index.log");
  CHECK(read_file(log).size() == 20);  // just the log header
  // Small ones stay in the log.
  auto t2 = idx->begin();
  t2.expunge(7);
  t2.commit();
  CHECK(read_file(log).size() > 20);
  opt.lazy = true;
  auto lazy = MailIndex::open(d.path, opt);
  CHECK(lazy->counters().messages == 1999);
  CHECK_FALSE(lazy->loaded());
}
