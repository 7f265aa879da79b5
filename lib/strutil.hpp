#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

std::vector<std::string> split(std::string_view s, char sep);
// Splits on runs of spaces/tabs, dropping empty pieces.
std::vector<std::string> split_ws(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// Strict decimal parsing: the whole string must be digits and fit.
std::optional<uint64_t> parse_u64(std::string_view s);
std::optional<uint32_t> parse_u32(std::string_view s);

// Dovecot's tab-escaping (\001 -> \0011, \t -> \001t, \r -> \001r, \n -> \001n),
// used by the doveadm protocol, dsync and the v2 subscriptions file.
// CRLF -> LF; a lone CR stays (how a save stores line endings by default).
std::string crlf_to_lf(std::string_view s);

// The same for a stream given in chunks: a CR ending one chunk is held until
// the next shows whether an LF follows.
class CrlfToLf {
 public:
  // Replaces `out` with the converted chunk.
  void feed(std::string_view chunk, std::string& out);
  // What is still held back ("" or a lone "\r") at the end of the stream.
  std::string_view finish();

 private:
  bool pending_cr_ = false;
};
std::string tab_escape(std::string_view s);
std::string tab_unescape(std::string_view s);

std::string hex_encode(const uint8_t* data, size_t len);
// Returns nullopt unless `hex` is an even number of hex digits.
std::optional<std::vector<uint8_t>> hex_decode(std::string_view hex);

// Shell-style wildcard match with '*' and '?' (used for -u masks and mailbox patterns).
bool wildcard_match(std::string_view pattern, std::string_view text);

}  // namespace roost
