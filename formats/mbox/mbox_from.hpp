#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roost {

// The mbox separator line "From <sender> <date>".
//
// A line starting with "From " only separates messages when it also parses
// as a From_ line (a sender and a date), which is what lets Dovecot leave
// body lines like "From the start of a line" unescaped.

// Parses one From_ line (without its line ending). Returns the date as unix
// seconds, read in the local time zone unless the line carries a numeric
// zone; nullopt when the line isn't a From_ line.
std::optional<int64_t> parse_from_line(std::string_view line);

// "From <sender>  Www Mmm DD hh:mm:ss YYYY" in local time, the layout
// Dovecot writes (two spaces, zero-padded day). No line ending.
std::string make_from_line(std::string_view sender, int64_t when);

}  // namespace roost
