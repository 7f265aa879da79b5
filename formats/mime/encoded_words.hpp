#pragma once
#include <string>
#include <string_view>

namespace roost {

// Decodes RFC 2047 encoded-words (=?charset?B|Q?text?=) in a header value
// into UTF-8. Whitespace between two adjacent encoded-words is dropped; text
// outside encoded-words is taken as UTF-8 (invalid bytes become U+FFFD).
// Encoded-words with an unknown charset are left as they are. RFC 2231
// language suffixes (charset*lang) are ignored.
std::string decode_encoded_words(std::string_view value);

}  // namespace roost
