#pragma once
#include <cstdint>
#include <string_view>

namespace roost {

// Parses an RFC 5322 Date: value (also obsolete forms: 2-digit years,
// named zones like GMT/EST, military zones, missing seconds or weekday,
// comments). Sets `time` (UTC unix seconds) and `tz_offset_minutes`.
// Returns false when the value is not a date.
bool parse_message_date(std::string_view value, int64_t& time, int& tz_offset_minutes);

// Convenience: unix time of a Date: header, 0 when missing/invalid.
int64_t message_date_or_zero(std::string_view value);

}  // namespace roost
