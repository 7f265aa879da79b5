#pragma once
// Finding every intact message in the bytes of an mdbox `m.<file_id>` file,
// also past damage (force-resync). Pure: bytes in, list out. The pieces of
// the format (file header, message header, metadata) are the shared dbox
// code in this folder.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/dbox/dbox_metadata.hpp"

namespace roost {

// One message found in a file.
struct MdboxScannedMessage {
  uint64_t offset = 0;  // of its message header
  uint64_t size = 0;    // header + body + metadata (the map's size)
  uint64_t body_offset = 0;
  uint64_t body_size = 0;
  DboxMetadata meta;
};

struct MdboxFileScan {
  bool header_ok = false;
  std::vector<MdboxScannedMessage> messages;
  // Damaged regions skipped ("offset N: what"), empty for a sound file.
  std::vector<std::string> damage;
};

// The one message whose header starts at `data[0]` (`offset` in the file,
// for messages): its extent and metadata. Throws Error(kExitDataErr) naming
// `name` and the offset when it is damaged or incomplete.
MdboxScannedMessage parse_mdbox_message(std::string_view data, uint32_t msg_header_size,
                                        const std::string& name, uint64_t offset);

// Walks every message of a whole file. Where the data is damaged it looks
// for the next message header magic and goes on, so every intact message
// (complete header, body and metadata with a GUID) is found.
MdboxFileScan scan_mdbox_file(std::string_view data, const std::string& name);

}  // namespace roost
