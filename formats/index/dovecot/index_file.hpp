#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// The 120-byte v7 base header of a dovecot.index file (mail-index-format.md
// §2.1), every field, as stored.
struct DovecotBaseHeader {
  uint8_t major_version = 7;
  uint8_t minor_version = 3;
  uint16_t base_header_size = 120;
  uint32_t header_size = 0;
  uint32_t record_size = 0;
  uint8_t compat_flags = 1;
  uint32_t indexid = 0;
  uint32_t flags = 0;
  uint32_t uid_validity = 0;
  uint32_t next_uid = 1;
  uint32_t messages_count = 0;
  uint32_t unused_old_recent_messages_count = 0;
  uint32_t seen_messages_count = 0;
  uint32_t deleted_messages_count = 0;
  uint32_t first_recent_uid = 1;
  uint32_t first_unseen_uid_lowwater = 0;
  uint32_t first_deleted_uid_lowwater = 0;
  uint32_t log_file_seq = 0;
  uint32_t log_file_tail_offset = 0;
  uint32_t log_file_head_offset = 0;
  uint32_t unused_old_sync_size_part1 = 0;
  uint32_t log2_rotate_time = 0;
  uint32_t last_temp_file_scan = 0;
  uint32_t day_stamp = 0;
  uint32_t day_first_uid[8] = {};
};

constexpr size_t kDovecotBaseHeaderSize = 120;

// Decodes the base header fields from its raw bytes (at least 120 bytes;
// a shorter, older header must have been zero-padded by the caller).
DovecotBaseHeader decode_dovecot_base_header(std::string_view raw);

// One extension as declared in the index header (§2.2), with its header data.
struct DovecotIndexExt {
  std::string name;
  uint32_t reset_id = 0;
  uint16_t record_offset = 0;
  uint16_t record_size = 0;
  uint16_t record_align = 0;
  std::string hdr;  // hdr_size bytes of extension header data
};

// One record: UID, flags byte and the whole raw record (record_size bytes)
// from which the extensions' data is cut with their record_offset/size.
struct DovecotIndexFileRecord {
  uint32_t uid = 0;
  uint8_t flags = 0;
  std::string raw;
};

// A parsed dovecot.index (or dovecot.map.index) snapshot.
struct DovecotIndexFile {
  DovecotBaseHeader hdr;
  std::string base_raw;  // the base header bytes, zero-padded to 120
  std::vector<DovecotIndexExt> exts;  // in file order; the order is the ext id
  std::vector<DovecotIndexFileRecord> records;
};

// Pure: parses the bytes of an index file. `name` is used in error messages.
// Throws roost::Error(kExitDataErr) naming `name` and what is wrong.
DovecotIndexFile parse_dovecot_index_file(std::string_view data, const std::string& name);

}  // namespace roost
