#pragma once
// A minimal writer of Dovecot's index files (pure: returns bytes). Roost
// uses it to hand an mdbox it wrote to Dovecot with UIDs, flags, keywords,
// GUIDs and the map intact: a `dovecot.index` snapshot (mail-index-format.md
// §2) written without a log, which Dovecot then starts after it.
#include <cstdint>
#include <string>
#include <vector>

namespace roost {

struct DovecotWriteExt {
  std::string name;
  std::string hdr;           // extension header data
  uint16_t record_size = 0;  // 0: header only
  uint16_t record_align = 0;
};

struct DovecotWriteRecord {
  uint32_t uid = 0;
  uint8_t flags = 0;
  // Per extension (same order as DovecotIndexImage::exts): record_size
  // bytes, or empty for zeros.
  std::vector<std::string> ext;
};

struct DovecotIndexImage {
  uint32_t indexid = 0;  // shared by the index and its log
  uint32_t uid_validity = 0;
  uint32_t next_uid = 1;
  uint32_t first_recent_uid = 1;
  uint32_t log_file_seq = 1;
  std::vector<DovecotWriteExt> exts;
  std::vector<DovecotWriteRecord> records;  // UID ascending
};

// The whole dovecot.index file.
std::string build_dovecot_index(const DovecotIndexImage& image);

// The `keywords` extension: header listing `names`, record size as Dovecot
// sizes it, and a record's bitmask for the keyword indexes set.
DovecotWriteExt dovecot_keywords_ext(const std::vector<std::string>& names);
std::string dovecot_keywords_record(const DovecotWriteExt& ext, const std::vector<size_t>& set);

// The 128-bit GUID Dovecot's index keeps for a message GUID string: the hex
// value when it is 32 hex digits, else the last 16 bytes of its SHA-1.
std::string dovecot_guid_128(const std::string& guid);

}  // namespace roost
