#include "formats/dbox/dbox_message_header.hpp"

#include "formats/dbox/dbox_file_header.hpp"
#include "lib/error.hpp"

namespace roost {

namespace {
// Layout of the 30-byte v2 header (the size field sits at the same place in
// larger headers; the LF is always the last byte).
constexpr size_t kTypeAt = 2;
constexpr size_t kSizeAt = 13;
constexpr size_t kSizeDigits = 16;
}  // namespace

DboxMessageHeader parse_dbox_message_header(std::string_view data, uint32_t header_size,
                                            const std::string& name, uint64_t offset) {
  auto bad = [&](const std::string& what) {
    return Error(kExitDataErr, name + ": broken dbox message header at offset " +
                                   std::to_string(offset) + ": " + what);
  };
  if (header_size < kSizeAt + kSizeDigits + 1)
    throw bad("the file header's message header size " + std::to_string(header_size) +
              " is too small");
  if (data.size() < header_size) throw bad("the file ends inside the header (truncated file)");
  if (data[0] != '\x01' || data[1] != '\x02') throw bad("the 0x01 0x02 magic is missing");
  if (data[header_size - 1] != '\n') throw bad("the header doesn't end with a line feed");
  DboxMessageHeader h;
  h.type = data[kTypeAt];
  uint64_t size = 0;
  std::string_view digits = data.substr(kSizeAt, kSizeDigits);
  if (!parse_dbox_hex(digits, size)) throw bad("the message size isn't hexadecimal");
  h.body_size = size;
  return h;
}

std::string format_dbox_message_header(uint64_t body_size) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out(kDboxMessageHeaderSize, ' ');
  out[0] = '\x01';
  out[1] = '\x02';
  out[kTypeAt] = 'N';
  for (size_t i = 0; i < kSizeDigits; ++i)
    out[kSizeAt + kSizeDigits - 1 - i] = digits[(body_size >> (4 * i)) & 0xf];
  out[kDboxMessageHeaderSize - 1] = '\n';
  return out;
}

}  // namespace roost
