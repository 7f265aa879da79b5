#pragma once
// The fixed-size header in front of each message in a dbox file:
// 0x01 0x02, type 'N', spaces, 16 uppercase hex digits of the body size, LF.
// Pure.
#include <cstdint>
#include <string>
#include <string_view>

namespace roost {

struct DboxMessageHeader {
  char type = 'N';
  uint64_t body_size = 0;  // bytes of the message body as stored on disk
};

// Parses the first `header_size` bytes of `data` (the M of the file header).
// Throws Error(kExitDataErr) naming `name` and `offset` when the bytes are too
// few, the magic or the final LF is missing, or the size isn't hex.
DboxMessageHeader parse_dbox_message_header(std::string_view data, uint32_t header_size,
                                            const std::string& name, uint64_t offset);

// The 30-byte header for a body of `body_size` bytes.
std::string format_dbox_message_header(uint64_t body_size);

}  // namespace roost
