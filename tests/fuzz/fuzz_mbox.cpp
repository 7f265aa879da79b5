// Fuzzes the mbox parser: From_ lines, message boundaries (Content-Length and
// From_ scanning), the metadata headers (X-IMAPbase, X-IMAP, X-UID, Status,
// X-Status, X-Keywords), the save-side header split and the
// roost-expunge-keys codec. Offsets must stay inside the input and in order,
// and decoded keys must encode back to the same; anything else is a bug.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "formats/mbox/mbox_expunge_keys.hpp"
#include "formats/mbox/mbox_from.hpp"
#include "formats/mbox/mbox_parser.hpp"
#include "formats/mbox/mbox_writer.hpp"
#include "lib/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)roost::parse_from_line(in.substr(0, in.find('\n')));
  try {
    roost::MboxScan scan = roost::parse_mbox(in);
    uint64_t prev = 0;
    for (const auto& m : scan.mails) {
      if (m.from_offset < prev || m.header_offset < m.from_offset ||
          m.body_offset < m.header_offset || m.body_end < m.body_offset ||
          m.next_offset < m.body_end || m.next_offset > size)
        abort();
      prev = m.next_offset;
    }
  } catch (const roost::Error&) {
  }
  std::string header, body;
  roost::split_message_for_save(in, header, body);
  if (header.size() + body.size() > size + 2) abort();
  uint32_t uv = 0;
  for (char c : in.substr(0, in.find('\n'))) {
    if (c < '0' || c > '9' || uv > 400000000) break;
    uv = uv * 10 + static_cast<uint32_t>(c - '0');
  }
  auto keys = roost::decode_mbox_expunge_keys(in, uv);
  if (roost::decode_mbox_expunge_keys(roost::encode_mbox_expunge_keys(uv, keys), uv) != keys)
    abort();
  return 0;
}
