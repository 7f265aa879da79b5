#include "formats/dbox/mdbox_map_codec.hpp"

#include "formats/index/index_codec.hpp"

namespace roost {

namespace {

constexpr size_t kEntryBytes = 4 + 4 + 8 + 8 + 4;
constexpr uint8_t kFlagReset = 1;
constexpr uint8_t kFlagHeader = 2;

void put_entry(index_codec::Writer& w, const MdboxMapEntry& e) {
  w.u32(e.map_uid);
  w.u32(e.file_id);
  w.u64(e.offset);
  w.u64(e.size);
  w.u32(e.refcount);
}

MdboxMapEntry get_entry(index_codec::Reader& r) {
  MdboxMapEntry e;
  e.map_uid = r.u32();
  e.file_id = r.u32();
  e.offset = r.u64();
  e.size = r.u64();
  e.refcount = r.u32();
  if (e.map_uid == 0) r.fail("map UID 0");
  if (e.file_id == 0) r.fail("file id 0 for map UID " + std::to_string(e.map_uid));
  return e;
}

uint32_t get_count(index_codec::Reader& r, size_t each) {
  uint32_t n = r.u32();
  if (r.remaining() / each < n) r.fail("count " + std::to_string(n) + " past the end");
  return n;
}

}  // namespace

std::string encode_mdbox_map_snapshot(const MdboxMapFileHeader& header,
                                      const std::vector<MdboxMapEntry>& entries) {
  index_codec::Writer w;
  w.data().reserve(16 + header.stamp.size() + entries.size() * kEntryBytes);
  w.u32(header.uid_validity);
  w.u32(header.uidnext);
  w.str(header.stamp);
  w.u32(static_cast<uint32_t>(entries.size()));
  for (const auto& e : entries) put_entry(w, e);
  return std::move(w.data());
}

void decode_mdbox_map_snapshot(std::string_view body, const std::string& what,
                               MdboxMapFileHeader& header, std::vector<MdboxMapEntry>& entries) {
  index_codec::Reader r(body, what);
  header.uid_validity = r.u32();
  header.uidnext = r.u32();
  header.stamp = r.str();
  uint32_t n = get_count(r, kEntryBytes);
  entries.clear();
  entries.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    MdboxMapEntry e = get_entry(r);
    if (!entries.empty() && e.map_uid <= entries.back().map_uid)
      r.fail("map UIDs out of order at " + std::to_string(e.map_uid));
    if (e.map_uid >= header.uidnext) r.fail("map UID " + std::to_string(e.map_uid) + " >= uidnext");
    entries.push_back(e);
  }
  if (!r.at_end()) r.fail("trailing bytes");
}

void decode_mdbox_map_snapshot_header(std::string_view body, const std::string& what,
                                      MdboxMapFileHeader& header) {
  index_codec::Reader r(body, what);
  header.uid_validity = r.u32();
  header.uidnext = r.u32();
  header.stamp = r.str();
  uint32_t n = get_count(r, kEntryBytes);
  if (r.remaining() != size_t{n} * kEntryBytes) r.fail("length mismatch");
}

std::string encode_mdbox_map_change(const MdboxMapChange& c) {
  index_codec::Writer w;
  uint8_t flags = (c.reset ? kFlagReset : 0) | (c.set_header ? kFlagHeader : 0);
  w.u8(flags);
  if (c.set_header) {
    w.u32(c.uid_validity);
    w.str(c.stamp);
  }
  w.u32(static_cast<uint32_t>(c.removes.size()));
  for (uint32_t uid : c.removes) w.u32(uid);
  w.u32(static_cast<uint32_t>(c.puts.size()));
  for (const auto& e : c.puts) put_entry(w, e);
  return std::move(w.data());
}

MdboxMapChange decode_mdbox_map_change(std::string_view payload, const std::string& what) {
  index_codec::Reader r(payload, what);
  MdboxMapChange c;
  uint8_t flags = r.u8();
  if (flags & ~(kFlagReset | kFlagHeader)) r.fail("unknown flags");
  c.reset = flags & kFlagReset;
  c.set_header = flags & kFlagHeader;
  if (c.set_header) {
    c.uid_validity = r.u32();
    c.stamp = r.str();
  }
  uint32_t n = get_count(r, 4);
  c.removes.reserve(n);
  for (uint32_t i = 0; i < n; ++i) c.removes.push_back(r.u32());
  n = get_count(r, kEntryBytes);
  c.puts.reserve(n);
  for (uint32_t i = 0; i < n; ++i) c.puts.push_back(get_entry(r));
  if (!r.at_end()) r.fail("trailing bytes");
  return c;
}

}  // namespace roost
