#pragma once
#include <cstdint>
#include <istream>
#include <memory>
#include <string>

namespace roost {

// A message as clients see it: the header with the mbox metadata headers
// removed (held in memory), then `body_len` bytes of the file at
// `body_offset`, read on demand. Takes ownership of `fd`.
std::unique_ptr<std::istream> make_mbox_message_stream(std::string header, int fd,
                                                       uint64_t body_offset, uint64_t body_len);

}  // namespace roost
