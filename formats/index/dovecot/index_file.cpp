#include "formats/index/dovecot/index_file.hpp"

#include <set>

#include "formats/index/dovecot/le_bytes.hpp"
#include "lib/error.hpp"

namespace roost {

using namespace dovecot_bytes;

namespace {

[[noreturn]] void corrupt(const std::string& name, const std::string& what) {
  throw Error(kExitDataErr, "Dovecot index " + name + " is corrupt: " + what);
}

// Extension names are short ASCII identifiers; anything else means we are
// reading garbage, and later code prints the names.
bool plausible_ext_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

}  // namespace

DovecotBaseHeader decode_dovecot_base_header(std::string_view r) {
  DovecotBaseHeader h;
  h.major_version = u8(r, 0);
  h.minor_version = u8(r, 1);
  h.base_header_size = le16(r, 2);
  h.header_size = le32(r, 4);
  h.record_size = le32(r, 8);
  h.compat_flags = u8(r, 12);
  h.indexid = le32(r, 16);
  h.flags = le32(r, 20);
  h.uid_validity = le32(r, 24);
  h.next_uid = le32(r, 28);
  h.messages_count = le32(r, 32);
  h.unused_old_recent_messages_count = le32(r, 36);
  h.seen_messages_count = le32(r, 40);
  h.deleted_messages_count = le32(r, 44);
  h.first_recent_uid = le32(r, 48);
  h.first_unseen_uid_lowwater = le32(r, 52);
  h.first_deleted_uid_lowwater = le32(r, 56);
  h.log_file_seq = le32(r, 60);
  h.log_file_tail_offset = le32(r, 64);
  h.log_file_head_offset = le32(r, 68);
  h.unused_old_sync_size_part1 = le32(r, 72);
  h.log2_rotate_time = le32(r, 76);
  h.last_temp_file_scan = le32(r, 80);
  h.day_stamp = le32(r, 84);
  for (size_t i = 0; i < 8; ++i) h.day_first_uid[i] = le32(r, 88 + 4 * i);
  return h;
}

DovecotIndexFile parse_dovecot_index_file(std::string_view d, const std::string& name) {
  if (d.size() < 16) corrupt(name, "file is only " + std::to_string(d.size()) + " bytes");
  if (u8(d, 0) != 7)
    corrupt(name, "major version " + std::to_string(u8(d, 0)) + ", only 7 is supported");
  if ((u8(d, 12) & 1) == 0) corrupt(name, "not a little-endian index (compat_flags)");
  const uint16_t base_size = le16(d, 2);
  const uint32_t header_size = le32(d, 4);
  const uint32_t record_size = le32(d, 8);
  // 52 bytes reach first_recent_uid; older, smaller headers than that
  // predate anything Dovecot 2.x writes.
  if (base_size < 52) corrupt(name, "base_header_size " + std::to_string(base_size) + " < 52");
  if (header_size < base_size || header_size > d.size())
    corrupt(name, "header_size " + std::to_string(header_size) + " outside base header (" +
                      std::to_string(base_size) + ") and file size (" +
                      std::to_string(d.size()) + ")");
  if (record_size < 8 || record_size > 65536)
    corrupt(name, "record_size " + std::to_string(record_size) + " out of range");

  DovecotIndexFile f;
  f.base_raw.assign(d.substr(0, std::min<size_t>(base_size, kDovecotBaseHeaderSize)));
  f.base_raw.resize(kDovecotBaseHeaderSize, '\0');
  f.hdr = decode_dovecot_base_header(f.base_raw);

  // Extension headers (§2.2).
  std::set<std::string> seen;
  uint64_t off = align8(base_size);
  for (size_t guard = 0; off + 16 < header_size; ++guard) {
    if (guard > 1024) corrupt(name, "too many extensions");
    const uint32_t hdr_size = le32(d, off);
    DovecotIndexExt e;
    e.reset_id = le32(d, off + 4);
    e.record_offset = le16(d, off + 8);
    e.record_size = le16(d, off + 10);
    e.record_align = le16(d, off + 12);
    const uint16_t name_size = le16(d, off + 14);
    const std::string at = " (extension header at offset " + std::to_string(off) + ")";
    if (off + 16 + name_size > header_size) corrupt(name, "extension name past header" + at);
    e.name.assign(d.substr(off + 16, name_size));
    if (!plausible_ext_name(e.name)) corrupt(name, "invalid extension name" + at);
    const uint64_t data_off = off + align8(16 + name_size);
    if (data_off + uint64_t{hdr_size} > header_size)
      corrupt(name, "extension '" + e.name + "' header data past header_size" + at);
    if (e.record_size > 0 &&
        (e.record_offset < 5 || uint32_t{e.record_offset} + e.record_size > record_size))
      corrupt(name, "extension '" + e.name + "' record data outside the record" + at);
    if (!seen.insert(e.name).second) corrupt(name, "duplicate extension '" + e.name + "'" + at);
    e.hdr.assign(d.substr(data_off, hdr_size));
    f.exts.push_back(std::move(e));
    off = data_off + align8(hdr_size);
  }

  // Records (§2.3): UIDs strictly ascending and below next_uid.
  const uint64_t count = f.hdr.messages_count;
  if (uint64_t{header_size} + count * record_size > d.size())
    corrupt(name, std::to_string(count) + " records of " + std::to_string(record_size) +
                      " bytes don't fit in the file (" + std::to_string(d.size()) + " bytes)");
  f.records.reserve(count);
  uint32_t prev_uid = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t roff = header_size + i * record_size;
    DovecotIndexFileRecord r;
    r.uid = le32(d, roff);
    r.flags = u8(d, roff + 4);
    if (r.uid <= prev_uid || r.uid >= f.hdr.next_uid)
      corrupt(name, "record " + std::to_string(i + 1) + " has UID " + std::to_string(r.uid) +
                        " (previous " + std::to_string(prev_uid) + ", next_uid " +
                        std::to_string(f.hdr.next_uid) + ")");
    prev_uid = r.uid;
    r.raw.assign(d.substr(roff, record_size));
    f.records.push_back(std::move(r));
  }
  return f;
}

}  // namespace roost
