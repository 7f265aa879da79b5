// Fuzzes MIME parsing and the IMAP ENVELOPE/BODY/BODYSTRUCTURE writers, plus
// search-text extraction, on arbitrary message bytes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "formats/mime/address.hpp"
#include "formats/mime/date.hpp"
#include "formats/mime/encoded_words.hpp"
#include "formats/mime/imap_bodystructure.hpp"
#include "formats/mime/mime_part.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view msg(reinterpret_cast<const char*>(data), size);
  roost::MimePart root = roost::parse_mime(msg);
  std::string env = roost::imap_envelope(root.header);
  std::string body = roost::imap_body(root);
  std::string bs = roost::imap_bodystructure(root);
  if (body.empty() || bs.empty() || env.empty()) abort();
  if (root.body_offset > msg.size() || root.body_end > msg.size()) abort();
  std::string text;
  roost::append_search_text(root, msg, true, text);
  for (const auto& f : root.header.fields) {
    (void)roost::decode_encoded_words(f.value);
    (void)roost::format_address_list(roost::parse_address_list(f.value));
    (void)roost::message_date_or_zero(f.value);
  }
  return 0;
}
