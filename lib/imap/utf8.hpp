#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roost {

// Decodes the UTF-8 code point at s[pos] and advances pos past it. Returns
// nullopt (pos unchanged) on an invalid sequence: truncated, overlong,
// surrogate, or above U+10FFFF.
std::optional<uint32_t> utf8_next(std::string_view s, size_t& pos);

// Appends code point `cp` (assumed valid) as UTF-8.
void utf8_append(std::string& out, uint32_t cp);

// True when the whole string is valid UTF-8.
bool utf8_valid(std::string_view s);

}  // namespace roost
