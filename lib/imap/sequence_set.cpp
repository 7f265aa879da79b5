#include "lib/imap/sequence_set.hpp"

#include <algorithm>

#include "lib/error.hpp"

namespace roost {
namespace {

constexpr uint32_t kStar = 0;

bool parse_number(std::string_view s, uint32_t& out) {
  if (s == "*") {
    out = kStar;
    return true;
  }
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v > 0xffffffffULL) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

SequenceSet SequenceSet::parse(std::string_view text) {
  SequenceSet set;
  auto bad = [&]() -> Error {
    return Error(kExitUsage, "invalid sequence set '" + std::string(text) +
                                 "': expected numbers >= 1, ranges a:b and '*', comma-separated");
  };
  if (text.empty()) throw bad();
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    Range r;
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      if (!parse_number(item, r.first)) throw bad();
      r.last = r.first;
    } else {
      if (!parse_number(item.substr(0, colon), r.first) ||
          !parse_number(item.substr(colon + 1), r.last)) {
        throw bad();
      }
    }
    set.ranges_.push_back(r);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return set;
}

bool SequenceSet::looks_like(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == ',' || c == ':' || c == '*')) return false;
  }
  try {
    parse(text);
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool SequenceSet::contains(uint32_t n, uint32_t max) const {
  for (const Range& r : ranges_) {
    uint32_t a = r.first == kStar ? max : r.first;
    uint32_t b = r.last == kStar ? max : r.last;
    if (a > b) std::swap(a, b);
    if (n >= a && n <= b) return true;
  }
  return false;
}

std::string SequenceSet::to_string() const {
  std::string out;
  for (const Range& r : ranges_) {
    if (!out.empty()) out += ',';
    auto num = [](uint32_t v) { return v == kStar ? std::string("*") : std::to_string(v); };
    out += num(r.first);
    if (r.last != r.first) out += ':' + num(r.last);
  }
  return out;
}

}  // namespace roost
