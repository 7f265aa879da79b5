#pragma once
// The first line of every dbox mail file (sdbox u.N and mdbox m.N):
// "<version> <key><value> ...\n", e.g. "2 M1e C6b0368cd\n". Pure: bytes in,
// struct out, and back.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roost {

// The message header size every writer uses (and the only one Roost, like
// Dovecot, appends with).
constexpr uint32_t kDboxMessageHeaderSize = 30;
constexpr unsigned kDboxVersion = 2;

struct DboxFileHeader {
  unsigned version = kDboxVersion;                    // 1 (old, read only) or 2
  uint32_t msg_header_size = kDboxMessageHeaderSize;  // M (hex)
  int64_t create_time = 0;                            // C (hex unix time); 0: absent
  // Other fields (old A, future keys) in file order, kept verbatim.
  std::vector<std::pair<char, std::string>> other;
  // Bytes of the header line including its LF (set by the parser and the
  // formatter's caller); the first message starts here.
  size_t header_size = 0;
};

// Parses the header line at the start of `data` (which may contain more of
// the file). Throws Error(kExitDataErr) naming `name` when the line is
// missing, incomplete or invalid (unknown version, no M).
DboxFileHeader parse_dbox_file_header(std::string_view data, const std::string& name);

// "2 M1e C<hex>\n" plus the other fields; the header line a writer puts at
// the start of a new file.
std::string format_dbox_file_header(const DboxFileHeader& header);

// Lowercase hex without padding ("%x"), as dbox headers and metadata
// numbers are written; and its strict inverse (upper or lower case digits,
// at most 16 of them, nothing else).
std::string dbox_hex(uint64_t value);
bool parse_dbox_hex(std::string_view s, uint64_t& value);

}  // namespace roost
