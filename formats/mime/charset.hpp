#pragma once
#include <string>
#include <string_view>

namespace roost {

// Converts `in` from `charset` to UTF-8 and appends it to `out`, using glibc
// iconv (handles are cached per thread). UTF-8/US-ASCII input is validated
// instead: invalid sequences become U+FFFD. Returns false (and appends
// nothing) when the charset is unknown to iconv.
bool charset_to_utf8(std::string_view charset, std::string_view in, std::string& out);

// Appends `in` to `out` with invalid UTF-8 replaced by U+FFFD.
void append_valid_utf8(std::string_view in, std::string& out);

}  // namespace roost
