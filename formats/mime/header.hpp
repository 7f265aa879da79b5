#pragma once
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// One header field. `value` is the full value with line breaks of folded
// lines removed (the continuation's leading whitespace is kept) and the
// whitespace right after the colon dropped, like Dovecot's full_value.
struct HeaderField {
  std::string name;
  std::string value;
};

struct HeaderBlock {
  std::vector<HeaderField> fields;
  // Bytes of the header including the blank line that ends it (if any).
  size_t size = 0;
  // Size with every line ending counted as CRLF, and the number of lines.
  uint64_t virtual_size = 0;
  uint32_t lines = 0;
  // False when the data ended before a blank line.
  bool has_end = false;

  // All values of `name` (case-insensitive), in order.
  std::vector<std::string_view> values(std::string_view name) const;
  // First value of `name`, if present.
  std::optional<std::string_view> first(std::string_view name) const;
};

// Limits that keep hostile input bounded.
constexpr size_t kMaxHeaderFields = 10000;

// Parses the header at the start of `data`: lines up to the first empty line
// (LF or CRLF endings; a bare CR is ordinary data). Lines without a colon are
// kept as fields with an empty value so nothing is lost. Fields beyond
// kMaxHeaderFields are dropped (sizes still count them).
// `stop_at_line` (optional) is consulted at each line start and ends the
// header early when it returns true (used for MIME boundaries).
HeaderBlock parse_header_block(std::string_view data,
                               bool (*stop_at_line)(std::string_view rest, const void* ctx) = nullptr,
                               const void* ctx = nullptr);

// Reads only the header part of a message from a stream: up to and including
// the blank line (or EOF / `max_bytes`). The stream is left just after it.
std::string read_header_text(std::istream& in, size_t max_bytes = 8 * 1024 * 1024);

// Counts a block the way IMAP sizes it: bare LF counts as CRLF.
uint64_t virtual_size_of(std::string_view data);
uint32_t line_count_of(std::string_view data);

}  // namespace roost
