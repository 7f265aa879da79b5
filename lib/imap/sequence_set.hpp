#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// An IMAP sequence set ("1,3:5,7:*"), used for message sequence numbers and
// UIDs. "*" stands for the largest number in use, known only when matching.
class SequenceSet {
 public:
  // 0 in a range bound stands for "*".
  struct Range {
    uint32_t first = 0;
    uint32_t last = 0;
  };

  // Throws Error(kExitUsage) naming the bad text when `text` is not a valid
  // set (empty, zero, non-digits, empty element, number overflow).
  static SequenceSet parse(std::string_view text);
  // True when `text` looks like a sequence set (digits, ',', ':' and '*'
  // only) and parses.
  static bool looks_like(std::string_view text);

  // Whether `n` is in the set; `max` is the value of "*" (the highest
  // sequence number or UID). A range is matched in either order (5:2 = 2:5).
  bool contains(uint32_t n, uint32_t max) const;
  const std::vector<Range>& ranges() const { return ranges_; }
  std::string to_string() const;

 private:
  std::vector<Range> ranges_;
};

}  // namespace roost
