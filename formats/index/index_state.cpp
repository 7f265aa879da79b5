#include "formats/index/index_state.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "formats/index/index_codec.hpp"
#include "lib/strutil.hpp"

namespace roost {

using index_codec::Reader;
using index_codec::Writer;

namespace {

// On the wire only: kExpunge with the mail's header key (IndexOp::keyword).
constexpr uint8_t kExpungeKeyed = 8;

void write_header(Writer& w, const IndexHeader& h) {
  w.u32(h.uidvalidity);
  w.u32(h.uidnext);
  w.u64(h.highest_modseq);
  w.raw(std::string_view(reinterpret_cast<const char*>(h.mailbox_guid.bytes.data()), 16));
  w.u32(h.first_recent_uid);
  w.u64(h.expunges_pruned_modseq);
  w.str(h.sync_stamp);
}

IndexHeader read_header(Reader& r) {
  IndexHeader h;
  h.uidvalidity = r.u32();
  h.uidnext = r.u32();
  h.highest_modseq = r.u64();
  auto g = r.raw(16);
  std::copy(g.begin(), g.end(), h.mailbox_guid.bytes.begin());
  h.first_recent_uid = r.u32();
  h.expunges_pruned_modseq = r.u64();
  h.sync_stamp = r.str();
  return h;
}

// Records refer to keywords by name in memory but by number on disk; the
// snapshot's keyword table gives the numbers. Transactions store names
// (they are small and must not depend on the table's state).
void write_record(Writer& w, const MessageRecord& m, const std::vector<std::string>* table) {
  w.u32(m.uid);
  w.u64(m.modseq);
  w.u8(m.flags.system);
  w.u16(static_cast<uint16_t>(m.flags.keywords.size()));
  for (const auto& kw : m.flags.keywords) {
    if (table) {
      auto it = std::find(table->begin(), table->end(), kw);
      w.u32(static_cast<uint32_t>(it - table->begin()));
    } else {
      w.str(kw);
    }
  }
  w.str(m.guid);
  w.i64(m.received_date);
  w.i64(m.save_date);
  w.u64(m.physical_size);
  w.u64(m.virtual_size);
  w.str(m.pop3_uidl);
  w.u32(m.pop3_order);
  w.str(m.locator);
}

MessageRecord read_record(Reader& r, const std::vector<std::string>* table) {
  MessageRecord m;
  m.uid = r.u32();
  m.modseq = r.u64();
  m.flags.system = r.u8();
  uint16_t nkw = r.u16();
  m.flags.keywords.reserve(nkw);
  for (uint16_t i = 0; i < nkw; ++i) {
    if (table) {
      uint32_t idx = r.u32();
      if (idx >= table->size()) r.fail("keyword number out of range");
      m.flags.keywords.push_back((*table)[idx]);
    } else {
      m.flags.keywords.push_back(r.str());
    }
  }
  m.guid = r.str();
  m.received_date = r.i64();
  m.save_date = r.i64();
  m.physical_size = r.u64();
  m.virtual_size = r.u64();
  m.pop3_uidl = r.str();
  m.pop3_order = r.u32();
  m.locator = r.str();
  if (m.uid == 0) r.fail("record with UID 0");
  return m;
}

void write_flags(Writer& w, const MessageFlags& f) {
  w.u8(f.system);
  w.u16(static_cast<uint16_t>(f.keywords.size()));
  for (const auto& kw : f.keywords) w.str(kw);
}

MessageFlags read_flags(Reader& r) {
  MessageFlags f;
  f.system = r.u8();
  uint16_t n = r.u16();
  for (uint16_t i = 0; i < n; ++i) f.keywords.push_back(r.str());
  return f;
}

}  // namespace

const MessageRecord* IndexState::find(uint32_t uid) const {
  auto it = std::lower_bound(records.begin(), records.end(), uid,
                             [](const MessageRecord& m, uint32_t u) { return m.uid < u; });
  return it != records.end() && it->uid == uid ? &*it : nullptr;
}

MessageRecord* IndexState::find_mut(uint32_t uid) {
  return const_cast<MessageRecord*>(find(uid));
}

bool IndexState::is_recent(const MessageRecord& m) const {
  if (m.flags.system & kFlagRecent) return true;
  return !mark_recent && recent_rule && recent_rule(m, header.first_recent_uid);
}

void IndexState::present(MessageRecord& m) const {
  if (!mark_recent || !recent_rule) return;
  if (recent_rule(m, header.first_recent_uid))
    m.flags.system |= kFlagRecent;
  else
    m.flags.system &= static_cast<uint8_t>(~kFlagRecent);
}

void IndexState::count(const MessageRecord& m, int sign) {
  auto add32 = [sign](uint32_t& v) { v = sign > 0 ? v + 1 : v - 1; };
  add32(counters_.messages);
  if (is_recent(m)) add32(counters_.recent);
  if (!(m.flags.system & kFlagSeen)) {
    add32(counters_.unseen);
    if (sign > 0 && m.uid < seen_below_uid_) seen_below_uid_ = m.uid;
  }
  counters_.vsize = sign > 0 ? counters_.vsize + m.virtual_size : counters_.vsize - m.virtual_size;
}

void IndexState::recount() {
  counters_ = {};
  seen_below_uid_ = 0;
  for (auto& m : records) {
    present(m);
    count(m, 1);
  }
}

IndexCounters IndexState::counters() {
  IndexCounters c = counters_;
  c.first_unseen_seq = 0;
  if (c.unseen == 0) return c;
  // Records below seen_below_uid_ are all \Seen: look from there on, and
  // remember how far that held.
  auto it = std::lower_bound(records.begin(), records.end(), seen_below_uid_,
                             [](const MessageRecord& m, uint32_t u) { return m.uid < u; });
  while (it != records.end() && (it->flags.system & kFlagSeen)) ++it;
  if (it == records.end()) return c;  // unreachable while unseen > 0
  seen_below_uid_ = it->uid;
  c.first_unseen_seq = static_cast<uint32_t>(it - records.begin() + 1);
  return c;
}

void IndexState::define_keywords(const MessageFlags& flags) {
  for (const auto& kw : flags.keywords)
    if (std::find(keywords.begin(), keywords.end(), kw) == keywords.end()) keywords.push_back(kw);
}

bool IndexState::changes_messages(const IndexTransactionRecord& txn) {
  return std::any_of(txn.ops.begin(), txn.ops.end(), [](const IndexOp& op) {
    return op.kind == IndexOp::kAppend || op.kind == IndexOp::kUpdate ||
           op.kind == IndexOp::kUpdateFlags || op.kind == IndexOp::kExpunge;
  });
}

void IndexState::apply(const IndexTransactionRecord& txn) {
  for (size_t i = 0; i < txn.ops.size(); ++i) {
    const IndexOp& op = txn.ops[i];
    switch (op.kind) {
      case IndexOp::kAppend:
      case IndexOp::kUpdate: {
        MessageRecord m = op.record;
        m.modseq = txn.modseq;
        define_keywords(m.flags);
        present(m);
        if (MessageRecord* old = find_mut(m.uid)) {
          count(*old, -1);
          count(m, 1);
          *old = std::move(m);
        } else if (op.kind == IndexOp::kAppend) {
          count(m, 1);
          if (m.uid >= header.uidnext) header.uidnext = m.uid + 1;
          // Grown by a quarter, not doubled: a 100,000-message index
          // then never holds twice its records (plus the old copy while
          // moving) in memory.
          if (records.size() == records.capacity())
            records.reserve(records.size() + records.size() / 4 + 16);
          if (records.empty() || records.back().uid < m.uid) {
            records.push_back(std::move(m));
          } else {
            auto it =
                std::lower_bound(records.begin(), records.end(), m.uid,
                                 [](const MessageRecord& a, uint32_t u) { return a.uid < u; });
            records.insert(it, std::move(m));
          }
        }
        break;
      }
      case IndexOp::kUpdateFlags:
        if (MessageRecord* old = find_mut(op.record.uid)) {
          count(*old, -1);
          old->flags = op.record.flags;
          old->modseq = txn.modseq;
          define_keywords(old->flags);
          present(*old);
          count(*old, 1);
        }
        break;
      case IndexOp::kExpunge: {
        // A run of expunges is removed in one pass: erasing them one by
        // one costs O(records) each (a purge drops thousands at once).
        size_t j = i;
        while (j < txn.ops.size() && txn.ops[j].kind == IndexOp::kExpunge) ++j;
        std::unordered_set<uint32_t> seen;
        std::vector<uint32_t> gone;
        for (size_t k = i; k < j; ++k) {
          const MessageRecord* m = find(txn.ops[k].record.uid);
          if (!m || !seen.insert(m->uid).second) continue;
          count(*m, -1);
          expunges.push_back({m->uid, m->guid, txn.modseq, txn.ops[k].keyword});
          gone.push_back(m->uid);
        }
        std::sort(gone.begin(), gone.end());
        records.erase(std::remove_if(records.begin(), records.end(),
                                     [&](const MessageRecord& r) {
                                       return std::binary_search(gone.begin(), gone.end(), r.uid);
                                     }),
                      records.end());
        i = j - 1;
        break;
      }
      case IndexOp::kSetHeader: {
        uint64_t modseq = header.highest_modseq;
        uint64_t pruned = header.expunges_pruned_modseq;
        bool same_validity = header.uidvalidity == op.header.uidvalidity || header.uidvalidity == 0;
        uint32_t uidnext = header.uidnext;
        uint32_t first_recent = header.first_recent_uid;
        header = op.header;
        header.highest_modseq = modseq;
        header.expunges_pruned_modseq = pruned;
        if (same_validity && header.uidnext < uidnext) header.uidnext = uidnext;
        if (recent_rule && header.first_recent_uid != first_recent) recount();
        break;
      }
      case IndexOp::kAddKeyword:
        if (std::find(keywords.begin(), keywords.end(), op.keyword) == keywords.end())
          keywords.push_back(op.keyword);
        break;
      case IndexOp::kReset: {
        uint64_t modseq = header.highest_modseq;
        header = op.header;
        header.highest_modseq = modseq;
        // Every expunge before now is unknown to someone who synced under
        // the old uidvalidity.
        header.expunges_pruned_modseq = modseq;
        records.clear();
        expunges.clear();
        keywords.clear();
        counters_ = {};
        seen_below_uid_ = 0;
        break;
      }
    }
  }
  if (txn.modseq > header.highest_modseq) header.highest_modseq = txn.modseq;
}

void IndexState::prune_expunges(size_t keep) {
  if (expunges.size() <= keep) return;
  size_t drop = expunges.size() - keep;
  header.expunges_pruned_modseq =
      std::max(header.expunges_pruned_modseq, expunges[drop - 1].modseq);
  expunges.erase(expunges.begin(), expunges.begin() + static_cast<ptrdiff_t>(drop));
}

std::string IndexState::encode() const {
  Writer w;
  encode_to(w);
  return std::move(w.data());
}

void IndexState::encode_to(Writer& w) const {
  // Sized once: a 100,000-record body grown by doubling would hold up to
  // twice its size.
  size_t need = 64 + header.sync_stamp.size();
  for (const auto& kw : keywords) need += 4 + kw.size();
  for (const auto& m : records)
    need +=
        67 + 4 * m.flags.keywords.size() + m.guid.size() + m.pop3_uidl.size() + m.locator.size();
  for (const auto& e : expunges) need += 24 + e.guid.size() + e.hdr_key.size();
  w.data().reserve(w.size() + need);
  write_header(w, header);
  w.u32(static_cast<uint32_t>(keywords.size()));
  for (const auto& kw : keywords) w.str(kw);
  w.u32(static_cast<uint32_t>(records.size()));
  for (const auto& m : records) write_record(w, m, &keywords);
  w.u32(static_cast<uint32_t>(expunges.size()));
  for (const auto& e : expunges) {
    w.u32(e.uid);
    w.u64(e.modseq);
    w.str(e.guid);
  }
  // The header keys follow as a section of their own, only when there are
  // any: a snapshot without them reads as before.
  bool keyed = std::any_of(expunges.begin(), expunges.end(),
                           [](const ExpungeRecord& e) { return !e.hdr_key.empty(); });
  if (keyed) {
    w.u32(static_cast<uint32_t>(expunges.size()));
    for (const auto& e : expunges) w.str(e.hdr_key);
  }
}

IndexState IndexState::decode(std::string_view body, const std::string& what, RecentRule rule,
                              bool mark_recent) {
  Reader r(body, what);
  IndexState s;
  s.recent_rule = rule;
  s.mark_recent = mark_recent;
  s.header = read_header(r);
  uint32_t nkw = r.u32();
  if (nkw > r.remaining() / 4) r.fail("keyword count too large");
  for (uint32_t i = 0; i < nkw; ++i) s.keywords.push_back(r.str());
  uint32_t nrec = r.u32();
  if (nrec > r.remaining() / 40) r.fail("record count too large");
  s.records.reserve(nrec);
  for (uint32_t i = 0; i < nrec; ++i) {
    s.records.push_back(read_record(r, &s.keywords));
    if (i > 0 && s.records[i - 1].uid >= s.records[i].uid) r.fail("records not sorted by UID");
  }
  uint32_t nexp = r.u32();
  if (nexp > r.remaining() / 16) r.fail("expunge count too large");
  s.expunges.reserve(nexp);
  for (uint32_t i = 0; i < nexp; ++i) {
    ExpungeRecord e;
    e.uid = r.u32();
    e.modseq = r.u64();
    e.guid = r.str();
    s.expunges.push_back(std::move(e));
  }
  if (!r.at_end()) {
    if (r.u32() != nexp) r.fail("expunge key count mismatch");
    for (auto& e : s.expunges) e.hdr_key = r.str();
  }
  if (!r.at_end()) r.fail("trailing bytes");
  s.recount();
  return s;
}

std::string encode_summary(const IndexSummary& summary) {
  Writer w;
  write_header(w, summary.header);
  const IndexCounters& c = summary.counters;
  w.u32(c.messages);
  w.u32(c.recent);
  w.u32(c.unseen);
  w.u32(c.first_unseen_seq);
  w.u64(c.vsize);
  return std::move(w.data());
}

IndexSummary decode_summary(std::string_view data, const std::string& what) {
  Reader r(data, what);
  IndexSummary s;
  s.header = read_header(r);
  IndexCounters& c = s.counters;
  c.messages = r.u32();
  c.recent = r.u32();
  c.unseen = r.u32();
  c.first_unseen_seq = r.u32();
  c.vsize = r.u64();
  if (c.recent > c.messages || c.unseen > c.messages || c.first_unseen_seq > c.messages ||
      (c.unseen == 0) != (c.first_unseen_seq == 0))
    r.fail("counters out of range");
  if (!r.at_end()) r.fail("trailing bytes in summary");
  return s;
}

std::string encode_transaction(const IndexTransactionRecord& txn) {
  Writer w;
  encode_transaction_to(w, txn);
  return std::move(w.data());
}

void encode_transaction_to(index_codec::Writer& w, const IndexTransactionRecord& txn) {
  w.u64(txn.modseq);
  w.u32(static_cast<uint32_t>(txn.ops.size()));
  for (const auto& op : txn.ops) {
    // An expunge with a header key has an op code of its own, so logs
    // written before keys existed decode unchanged.
    bool keyed = op.kind == IndexOp::kExpunge && !op.keyword.empty();
    w.u8(keyed ? kExpungeKeyed : static_cast<uint8_t>(op.kind));
    switch (op.kind) {
      case IndexOp::kAppend:
      case IndexOp::kUpdate:
        write_record(w, op.record, nullptr);
        break;
      case IndexOp::kUpdateFlags:
        w.u32(op.record.uid);
        write_flags(w, op.record.flags);
        break;
      case IndexOp::kExpunge:
        w.u32(op.record.uid);
        if (keyed) w.str(op.keyword);
        break;
      case IndexOp::kSetHeader:
      case IndexOp::kReset:
        write_header(w, op.header);
        break;
      case IndexOp::kAddKeyword:
        w.str(op.keyword);
        break;
    }
  }
}

IndexTransactionRecord decode_transaction(std::string_view payload, const std::string& what) {
  Reader r(payload, what);
  IndexTransactionRecord txn;
  txn.modseq = r.u64();
  uint32_t n = r.u32();
  if (n > r.remaining()) r.fail("op count too large");
  txn.ops.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    IndexOp op{};
    uint8_t kind = r.u8();
    switch (kind) {
      case IndexOp::kAppend:
      case IndexOp::kUpdate:
        op.record = read_record(r, nullptr);
        break;
      case IndexOp::kUpdateFlags:
        op.record.uid = r.u32();
        op.record.flags = read_flags(r);
        break;
      case IndexOp::kExpunge:
        op.record.uid = r.u32();
        break;
      case kExpungeKeyed:
        kind = IndexOp::kExpunge;
        op.record.uid = r.u32();
        op.keyword = r.str();
        break;
      case IndexOp::kSetHeader:
      case IndexOp::kReset:
        op.header = read_header(r);
        break;
      case IndexOp::kAddKeyword:
        op.keyword = r.str();
        break;
      default:
        r.fail("unknown op " + std::to_string(kind));
    }
    op.kind = static_cast<IndexOp::Kind>(kind);
    txn.ops.push_back(std::move(op));
  }
  if (!r.at_end()) r.fail("trailing bytes in transaction");
  return txn;
}

}  // namespace roost
