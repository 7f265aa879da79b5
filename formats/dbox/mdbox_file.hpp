#pragma once
// The bytes of an mdbox `m.<file_id>` file (dbox-format.md §2): the file
// header line, the 30-byte per-message header, the metadata block. Pure:
// these functions take and return bytes, never touch a file.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roost {

constexpr size_t kMdboxMsgHeaderSize = 30;
constexpr std::string_view kMdboxMetaMagic = "\n\x01\x03\n";

struct MdboxFileHeader {
  unsigned version = 2;
  size_t length = 0;             // bytes of the header line incl. '\n'
  size_t msg_header_size = 30;   // the M field
  int64_t create_time = 0;       // the C field
};

// "2 M1e C<hex time>\n"
std::string format_mdbox_file_header(int64_t create_time);
// nullopt when `data` doesn't start with a valid header line.
std::optional<MdboxFileHeader> parse_mdbox_file_header(std::string_view data);

// The 30-byte message header for a body of `body_size` bytes.
std::string format_mdbox_msg_header(uint64_t body_size);
// The body size, or nullopt when `bytes` (>= msg_header_size) isn't a
// message header.
std::optional<uint64_t> parse_mdbox_msg_header(std::string_view bytes, size_t msg_header_size);

// Metadata lines (key letter + value), kept in file order; unknown keys are
// kept so copies preserve them.
struct MdboxMetadata {
  std::vector<std::pair<char, std::string>> fields;
  std::optional<std::string> get(char key) const;
  void set(char key, std::string value);
};
// magic + lines + the empty line.
std::string format_mdbox_metadata(const MdboxMetadata& meta);
// Parses the block starting at its magic; returns the metadata and the
// block's length, or nullopt when the block is incomplete or malformed.
std::optional<std::pair<MdboxMetadata, size_t>> parse_mdbox_metadata(std::string_view data);

// One message found in a file.
struct MdboxScannedMessage {
  uint64_t offset = 0;       // of its message header
  uint64_t size = 0;         // header + body + metadata (the map's size)
  uint64_t body_offset = 0;
  uint64_t body_size = 0;
  MdboxMetadata meta;
};

struct MdboxFileScan {
  std::optional<MdboxFileHeader> header;
  std::vector<MdboxScannedMessage> messages;
  // End of the last intact message (or of the header): where a writer may
  // append after cutting anything behind it.
  uint64_t intact_end = 0;
  // Damaged regions skipped ("offset N: what"), empty for a sound file.
  std::vector<std::string> damage;
};

// Walks every message of a whole file. Where the data is damaged it looks
// for the next message header magic and goes on, so every intact message
// is found (force-resync); the damaged ranges are listed.
MdboxFileScan scan_mdbox_file(std::string_view data);

// Lowercase/uppercase hex as metadata and headers use it (up to 16 digits).
std::optional<uint64_t> parse_mdbox_hex(std::string_view s);

// hex_or: the hex value of a metadata field, or `fallback`.
int64_t mdbox_hex_or(const std::optional<std::string>& s, int64_t fallback);

// Virtual size: LF counted as CRLF where the CR is missing.
class VirtualSizeCounter {
 public:
  void feed(std::string_view chunk);
  uint64_t size() const { return size_; }

 private:
  uint64_t size_ = 0;
  bool prev_cr_ = false;
};

}  // namespace roost
