#include "formats/index/dovecot/index_view.hpp"

#include <algorithm>

#include "formats/index/dovecot/le_bytes.hpp"
#include "lib/error.hpp"

namespace roost {

using namespace dovecot_bytes;

namespace {

constexpr uint8_t kImapFlagsMask = 0x1f;  // \Answered..\Draft (§3.3)
constexpr size_t kMaxKeywords = 4096;      // a sanity bound for corrupt input
// Dovecot's records are tens of bytes; these bounds keep corrupt logs from
// making the reader allocate gigabytes (records x extension data).
constexpr size_t kMaxExts = 256;
constexpr size_t kMaxExtRecordBytes = 8192;

[[noreturn]] void corrupt(const std::string& name, const std::string& what) {
  throw Error(kExitDataErr, "Dovecot index " + name + " is corrupt: " + what);
}

// Keyword header (§2.4): count, {unused, name_offset}[count], NUL-terminated names.
std::vector<std::string> parse_keywords_header(std::string_view h, const std::string& name) {
  std::vector<std::string> out;
  if (h.size() < 4) return out;
  const uint32_t count = le32(h, 0);
  if (count > kMaxKeywords || 4 + uint64_t{count} * 8 > h.size())
    corrupt(name, "keywords header claims " + std::to_string(count) + " keywords");
  const size_t names = 4 + size_t{count} * 8;
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t off = names + uint64_t{le32(h, 4 + 8 * i + 4)};
    if (off >= h.size()) corrupt(name, "keyword " + std::to_string(i) + " name outside header");
    size_t end = h.find('\0', off);
    if (end == std::string_view::npos) corrupt(name, "keyword " + std::to_string(i) + " unterminated");
    out.emplace_back(h.substr(off, end - off));
  }
  return out;
}

struct Replay {
  DovecotIndexView& v;
  const std::string& name;
  uint8_t log_minor = 3;
  uint64_t modseq = 0;
  bool apply = false;   // false while before start_offset: only count modseqs
  uint32_t at = 0;      // current record offset, for messages
  static constexpr int kSkippedExt = -2;
  int cur_ext = -1;     // last EXT_INTRO's ext id in this transaction
  bool cur_ignore = false;
  uint16_t cur_rec_size = 0;

  [[noreturn]] void bad(const std::string& what) const {
    corrupt(name, what + " (log record at offset " + std::to_string(at) + ")");
  }
  void need(std::string_view p, uint64_t n, const char* what) const {
    if (p.size() < n) bad(std::string(what) + " payload too short");
  }

  // Records with uid1 <= uid <= uid2, as an index range.
  std::pair<size_t, size_t> range(uint32_t uid1, uint32_t uid2) const {
    auto cmp = [](const DovecotViewRecord& r, uint32_t u) { return r.uid < u; };
    auto b = std::lower_bound(v.records.begin(), v.records.end(), uid1, cmp);
    auto e = std::lower_bound(b, v.records.end(), uid2 == UINT32_MAX ? uid2 : uid2 + 1, cmp);
    if (uid2 == UINT32_MAX) e = v.records.end();
    return {static_cast<size_t>(b - v.records.begin()), static_cast<size_t>(e - v.records.begin())};
  }
  DovecotViewRecord* find(uint32_t uid) {
    auto [b, e] = range(uid, uid);
    return b < e ? &v.records[b] : nullptr;
  }
  void touch(DovecotViewRecord& r) const {
    if (r.modseq < modseq) r.modseq = modseq;
  }
  uint32_t next_uid() const { return le32(v.base_raw, 28); }

  void record(const DovecotLogRecord& rec) {
    at = rec.offset;
    std::string_view p = rec.payload;
    switch (rec.kind()) {
      case kLogBoundary:
        cur_ext = -1;
        cur_ignore = false;
        return;
      case kLogAppend:
        ++modseq;
        if (apply) append(p);
        return;
      case kLogExpunge:
      case kLogExpungeGuid:
        // Without EXTERNAL an expunge is only a request to the backend.
        if (!rec.external()) return;
        ++modseq;
        if (apply) expunge(p, rec.kind() == kLogExpungeGuid ? 20 : 8);
        return;
      case kLogFlagUpdate:
        flag_update(p);
        return;
      case kLogKeywordUpdate:
        ++modseq;
        if (apply) keyword_update(p);
        return;
      case kLogKeywordReset:
        ++modseq;
        if (apply) keyword_reset(p);
        return;
      case kLogAttributeUpdate:
        ++modseq;
        return;
      case kLogModseqUpdate:
        modseq_update(p);
        return;
      default:
        break;
    }
    if (!apply) return;
    switch (rec.kind()) {
      case kLogHeaderUpdate: header_update(p); break;
      case kLogExtIntro: ext_intro(p); break;
      case kLogExtReset: ext_reset(p); break;
      case kLogExtHdrUpdate: ext_hdr_update(p, false); break;
      case kLogExtHdrUpdate32: ext_hdr_update(p, true); break;
      case kLogExtRecUpdate: ext_rec_update(p); break;
      case kLogExtAtomicInc: ext_atomic_inc(p); break;
      case kLogIndexDeleted: v.deleted = true; break;
      case kLogIndexUndeleted: v.deleted = false; break;
      default: break;  // unknown types are skipped, as newer Dovecots may add some
    }
  }

  void append(std::string_view p) {
    if (p.size() % 8 != 0) bad("APPEND payload not a multiple of 8");
    for (size_t i = 0; i < p.size(); i += 8) {
      DovecotViewRecord r;
      r.uid = le32(p, i);
      r.flags = u8(p, i + 4);
      if (r.uid == 0 || r.uid < next_uid())
        bad("APPEND of UID " + std::to_string(r.uid) + " below next_uid " +
            std::to_string(next_uid()));
      if (r.uid == UINT32_MAX) bad("APPEND of UID 4294967295");
      r.ext.resize(v.exts.size());
      for (size_t e = 0; e < v.exts.size(); ++e) r.ext[e].assign(v.exts[e].record_size, '\0');
      r.modseq = modseq;
      put_le(v.base_raw, 28, r.uid + 1, 4);
      v.records.push_back(std::move(r));
    }
  }

  void expunge(std::string_view p, size_t stride) {
    if (p.size() % stride != 0) bad("EXPUNGE payload size");
    for (size_t i = 0; i < p.size(); i += stride) {
      uint32_t uid1 = le32(p, i), uid2 = stride == 8 ? le32(p, i + 4) : uid1;
      if (uid1 > uid2) bad("EXPUNGE range reversed");
      auto [b, e] = range(uid1, uid2);
      v.records.erase(v.records.begin() + b, v.records.begin() + e);
    }
  }

  void flag_update(std::string_view p) {
    if (p.size() % 12 != 0) bad("FLAG_UPDATE payload not a multiple of 12");
    // Log 1.3+ doesn't give a modseq to updates of backend-only bits.
    bool counts = log_minor < 3;
    for (size_t i = 0; i < p.size(); i += 12) {
      if (((u8(p, i + 8) | u8(p, i + 9)) & kImapFlagsMask) != 0 || u8(p, i + 10) != 0)
        counts = true;
    }
    if (counts) ++modseq;
    if (!apply) return;
    for (size_t i = 0; i < p.size(); i += 12) {
      uint32_t uid1 = le32(p, i), uid2 = le32(p, i + 4);
      uint8_t add = u8(p, i + 8), remove = u8(p, i + 9);
      auto [b, e] = range(uid1, uid2);
      for (size_t k = b; k < e; ++k) {
        auto& r = v.records[k];
        r.flags = static_cast<uint8_t>((r.flags & ~remove) | add);
        if (counts) touch(r);
      }
    }
  }

  size_t keyword_index(std::string_view kw) {
    for (size_t i = 0; i < v.keywords.size(); ++i)
      if (v.keywords[i] == kw) return i;
    if (v.keywords.size() >= kMaxKeywords) bad("too many keywords");
    v.keywords.emplace_back(kw);
    return v.keywords.size() - 1;
  }

  void keyword_update(std::string_view p) {
    need(p, 4, "KEYWORD_UPDATE");
    const uint8_t modify = u8(p, 0);
    const uint16_t name_size = le16(p, 2);
    const uint64_t uids = align4(4 + uint64_t{name_size});
    need(p, uids, "KEYWORD_UPDATE");
    if (name_size == 0) bad("KEYWORD_UPDATE without a keyword name");
    if (modify > 1) bad("KEYWORD_UPDATE modify type " + std::to_string(modify));
    if ((p.size() - uids) % 8 != 0) bad("KEYWORD_UPDATE UID list size");
    const size_t idx = keyword_index(p.substr(4, name_size));
    for (size_t i = uids; i < p.size(); i += 8) {
      auto [b, e] = range(le32(p, i), le32(p, i + 4));
      for (size_t k = b; k < e; ++k) {
        auto& r = v.records[k];
        if (r.keywords.size() <= idx) r.keywords.resize(idx + 1, false);
        r.keywords[idx] = modify == 0;
        touch(r);
      }
    }
  }

  void keyword_reset(std::string_view p) {
    if (p.size() % 8 != 0) bad("KEYWORD_RESET payload size");
    for (size_t i = 0; i < p.size(); i += 8) {
      auto [b, e] = range(le32(p, i), le32(p, i + 4));
      for (size_t k = b; k < e; ++k) {
        v.records[k].keywords.clear();
        touch(v.records[k]);
      }
    }
  }

  void modseq_update(std::string_view p) {
    if (p.size() % 12 != 0) bad("MODSEQ_UPDATE payload size");
    for (size_t i = 0; i < p.size(); i += 12) {
      const uint64_t m = le32(p, i + 4) | uint64_t{le32(p, i + 8)} << 32;
      if (m > modseq) modseq = m;
      if (!apply) continue;
      if (auto* r = find(le32(p, i)); r && r->modseq < m) r->modseq = m;
    }
  }

  void header_update(std::string_view p) {
    for (size_t i = 0; i < p.size();) {
      need(p, i + 4, "HEADER_UPDATE");
      const uint16_t off = le16(p, i), size = le16(p, i + 2);
      need(p, i + 4 + uint64_t{size}, "HEADER_UPDATE");
      if (uint32_t{off} + size > kDovecotBaseHeaderSize) bad("HEADER_UPDATE outside base header");
      v.base_raw.replace(off, size, p.substr(i + 4, size));
      i = align4(i + 4 + size);
    }
  }

  void resize_ext(size_t id, uint32_t hdr_size, uint16_t rec_size, uint16_t align, bool no_shrink) {
    auto& e = v.exts[id];
    if (!no_shrink || hdr_size > e.hdr.size()) e.hdr.resize(hdr_size, '\0');
    if (!no_shrink || rec_size > e.record_size) {
      e.record_size = rec_size;
      for (auto& r : v.records) r.ext[id].resize(rec_size, '\0');
    }
    e.record_align = align;
  }

  void ext_intro(std::string_view p) {
    for (size_t i = 0; i < p.size();) {
      need(p, i + 20, "EXT_INTRO");
      const uint32_t ext_id = le32(p, i), reset_id = le32(p, i + 4), hdr_size = le32(p, i + 8);
      const uint16_t rec_size = le16(p, i + 12), align = le16(p, i + 14), flags = le16(p, i + 16),
                     name_size = le16(p, i + 18);
      need(p, i + 20 + uint64_t{name_size}, "EXT_INTRO");
      std::string_view ext_name = p.substr(i + 20, name_size);
      i = align4(i + 20 + name_size);
      cur_ext = -1;
      if (ext_id != UINT32_MAX && ext_id >= v.exts.size()) {
        // The writer's map knew an extension this replay hasn't seen (its
        // intro lies before the part of the log that is replayed). Dovecot
        // then goes by the name; without one, the updates that follow are
        // unusable: skip them, as Dovecot's sync does, and say so.
        if (name_size == 0 || name_size > 64) {
          v.notes.push_back("EXT_INTRO for unknown ext id " + std::to_string(ext_id) +
                            " ignored with its updates");
          cur_ignore = true;
          cur_ext = kSkippedExt;
          continue;
        }
        cur_ext = v.ext_id(ext_name);
      } else if (ext_id != UINT32_MAX) {
        cur_ext = static_cast<int>(ext_id);
      } else {
        if (name_size == 0 || name_size > 64) bad("EXT_INTRO without id or with a bad name");
        cur_ext = v.ext_id(ext_name);
      }
      if (hdr_size > 65536 || (align != 0 && align != 1 && align != 2 && align != 4 && align != 8))
        bad("EXT_INTRO with hdr_size " + std::to_string(hdr_size) + ", align " +
            std::to_string(align));
      cur_rec_size = rec_size;
      size_t total = rec_size;
      for (size_t k = 0; k < v.exts.size(); ++k)
        if (static_cast<int>(k) != cur_ext) total += v.exts[k].record_size;
      if (total > kMaxExtRecordBytes) bad("EXT_INTRO makes records larger than 8 KiB");
      if (cur_ext < 0 && v.exts.size() >= kMaxExts) bad("too many extensions");
      if (cur_ext >= 0) {
        auto& e = v.exts[cur_ext];
        // A reset_id mismatch means the transaction was written before a
        // reset of the extension: its updates are stale.
        cur_ignore = reset_id != e.reset_id;
        if (!cur_ignore) resize_ext(cur_ext, hdr_size, rec_size, align, (flags & 1) != 0);
        continue;
      }
      DovecotViewExt e;
      e.name.assign(ext_name);
      e.reset_id = reset_id;
      e.record_size = rec_size;
      e.record_align = align;
      e.hdr.assign(hdr_size, '\0');
      v.exts.push_back(std::move(e));
      for (auto& r : v.records) r.ext.emplace_back(rec_size, '\0');
      cur_ext = static_cast<int>(v.exts.size() - 1);
      cur_ignore = false;
    }
  }

  // Updates after an intro of an extension this replay can't identify.
  bool skipping() const { return cur_ext == kSkippedExt; }

  DovecotViewExt& current(const char* what) {
    if (cur_ext < 0) bad(std::string(what) + " without a preceding EXT_INTRO");
    return v.exts[cur_ext];
  }

  void ext_reset(std::string_view p) {
    if (skipping()) return;
    auto& e = current("EXT_RESET");
    need(p, 5, "EXT_RESET");
    e.reset_id = le32(p, 0);
    if (u8(p, 4) == 0) {  // preserve_data off: the data is gone
      std::fill(e.hdr.begin(), e.hdr.end(), '\0');
      for (auto& r : v.records) std::fill(r.ext[cur_ext].begin(), r.ext[cur_ext].end(), '\0');
    }
    cur_ignore = false;
  }

  void ext_hdr_update(std::string_view p, bool wide) {
    if (skipping()) return;
    auto& e = current("EXT_HDR_UPDATE");
    const size_t head = wide ? 8 : 4;
    for (size_t i = 0; i < p.size();) {
      need(p, i + head, "EXT_HDR_UPDATE");
      const uint32_t off = wide ? le32(p, i) : le16(p, i);
      const uint32_t size = wide ? le32(p, i + 4) : le16(p, i + 2);
      need(p, i + head + uint64_t{size}, "EXT_HDR_UPDATE");
      if (uint64_t{off} + size > e.hdr.size())
        bad("EXT_HDR_UPDATE outside the header of '" + e.name + "'");
      if (!cur_ignore) e.hdr.replace(off, size, p.substr(i + head, size));
      i = align4(i + head + uint64_t{size});
    }
  }

  void ext_rec_update(std::string_view p) {
    if (skipping()) return;
    auto& e = current("EXT_REC_UPDATE");
    if (cur_ignore) return;
    const size_t stride = align4(4 + uint64_t{cur_rec_size});
    if (p.size() % stride != 0) bad("EXT_REC_UPDATE payload size");
    const bool is_modseq = e.name == "modseq";
    for (size_t i = 0; i < p.size(); i += stride) {
      auto* r = find(le32(p, i));
      if (!r) continue;  // already expunged
      auto& data = r->ext[cur_ext];
      const size_t n = std::min<size_t>(cur_rec_size, data.size());
      data.replace(0, n, p.substr(i + 4, n));
      std::fill(data.begin() + n, data.end(), '\0');
      if (is_modseq && data.size() >= 8) r->modseq = le64(data, 0);
    }
  }

  void ext_atomic_inc(std::string_view p) {
    if (skipping()) return;
    current("EXT_ATOMIC_INC");
    if (cur_ignore) return;
    if (p.size() % 8 != 0) bad("EXT_ATOMIC_INC payload size");
    const size_t n = cur_rec_size;
    if (n != 1 && n != 2 && n != 4 && n != 8) bad("EXT_ATOMIC_INC on a record of size " + std::to_string(n));
    for (size_t i = 0; i < p.size(); i += 8) {
      auto* r = find(le32(p, i));
      if (!r) continue;
      auto& data = r->ext[cur_ext];
      if (data.size() < n) continue;
      const int64_t diff = static_cast<int32_t>(le32(p, i + 4));
      const uint64_t old = get_le(data, 0, n);
      const uint64_t max = n == 8 ? UINT64_MAX : (uint64_t{1} << (8 * n)) - 1;
      if ((diff < 0 && old < static_cast<uint64_t>(-diff)) ||
          (diff > 0 && max - old < static_cast<uint64_t>(diff)))
        bad("EXT_ATOMIC_INC of '" + v.exts[cur_ext].name + "' out of range for UID " +
            std::to_string(r->uid));
      put_le(data, 0, old + static_cast<uint64_t>(diff), n);
    }
  }
};

}  // namespace

int DovecotIndexView::ext_id(std::string_view n) const {
  for (size_t i = 0; i < exts.size(); ++i)
    if (exts[i].name == n) return static_cast<int>(i);
  return -1;
}

std::string_view DovecotIndexView::ext_data(const DovecotViewRecord& r, std::string_view n) const {
  int id = ext_id(n);
  if (id < 0 || static_cast<size_t>(id) >= r.ext.size()) return {};
  return r.ext[id];
}

std::string_view DovecotIndexView::ext_hdr(std::string_view n) const {
  int id = ext_id(n);
  return id < 0 ? std::string_view() : std::string_view(exts[id].hdr);
}

DovecotIndexView empty_dovecot_index_view() {
  DovecotIndexView v;
  DovecotBaseHeader h;
  v.base_raw[0] = static_cast<char>(h.major_version);
  v.base_raw[1] = static_cast<char>(h.minor_version);
  put_le(v.base_raw, 2, kDovecotBaseHeaderSize, 2);
  v.base_raw[12] = 1;
  put_le(v.base_raw, 28, 1, 4);  // next_uid
  put_le(v.base_raw, 48, 1, 4);  // first_recent_uid
  return v;
}

DovecotIndexView dovecot_index_view_from_file(const DovecotIndexFile& f, const std::string& name) {
  DovecotIndexView v;
  v.base_raw = f.base_raw;
  const int kw = [&] {
    for (size_t i = 0; i < f.exts.size(); ++i)
      if (f.exts[i].name == "keywords") return static_cast<int>(i);
    return -1;
  }();
  if (kw >= 0) v.keywords = parse_keywords_header(f.exts[kw].hdr, name);
  for (const auto& e : f.exts)
    v.exts.push_back({e.name, e.reset_id, e.record_size, e.record_align, e.hdr});
  const int ms = v.ext_id("modseq");
  v.records.reserve(f.records.size());
  for (const auto& fr : f.records) {
    DovecotViewRecord r;
    r.uid = fr.uid;
    r.flags = fr.flags;
    // Header-only extensions may carry any record_offset; parse checked the
    // others lie inside the record.
    for (const auto& e : f.exts)
      r.ext.emplace_back(e.record_size ? fr.raw.substr(e.record_offset, e.record_size) : "");
    if (kw >= 0) {
      const std::string& bits = r.ext[kw];
      const size_t n = std::min(v.keywords.size(), bits.size() * 8);
      r.keywords.resize(n);
      for (size_t i = 0; i < n; ++i) r.keywords[i] = (u8(bits, i / 8) >> (i % 8)) & 1;
    }
    if (ms >= 0 && r.ext[ms].size() >= 8) r.modseq = le64(r.ext[ms], 0);
    v.records.push_back(std::move(r));
  }
  if (ms >= 0 && v.exts[ms].hdr.size() >= 8) v.highest_modseq = le64(v.exts[ms].hdr, 0);
  return v;
}

void apply_dovecot_log(DovecotIndexView& view, const DovecotLog& log, uint32_t start_offset,
                       const std::string& name) {
  Replay rp{view, name};
  rp.log_minor = log.hdr.minor_version;
  rp.modseq = log.hdr.initial_modseq;
  if (start_offset > log.end_offset && !log.torn_tail)
    corrupt(name, "index points at log offset " + std::to_string(start_offset) +
                      " past its end " + std::to_string(log.end_offset));
  for (const auto& rec : log.records) {
    rp.apply = rec.offset >= start_offset;
    rp.record(rec);
  }
  if (rp.modseq > view.highest_modseq) view.highest_modseq = rp.modseq;
  if (log.torn_tail) view.notes.push_back(name + ": ignored " + *log.torn_tail);
}

}  // namespace roost
