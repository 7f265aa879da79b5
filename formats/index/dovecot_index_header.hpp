#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roost {

// The few fields of a Dovecot `dovecot.index` base header Roost needs to
// agree with Dovecot about state its own files don't record (spec:
// mail-index-format.md §2.1). Only the little-endian v7 format is read.
struct DovecotIndexHeader {
  uint32_t uid_validity = 0;
  uint32_t next_uid = 0;
  uint32_t messages_count = 0;
  uint32_t first_recent_uid = 0;
};

// Pure: parses the start of a dovecot.index file; nullopt if it isn't one.
std::optional<DovecotIndexHeader> parse_dovecot_index_header(std::string_view data);
// Reads `<dir>/dovecot.index` if present and valid.
std::optional<DovecotIndexHeader> read_dovecot_index_header(const std::string& dir);

}  // namespace roost
