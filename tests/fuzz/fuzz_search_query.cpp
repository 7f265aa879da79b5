// Fuzzes the doveadm search-query parser: the input is split into words at
// NUL and space bytes; any outcome but roost::Error is a bug.
#include <cstdint>
#include <string>
#include <vector>

#include "formats/search/search_matcher.hpp"
#include "formats/search/search_query.hpp"
#include "lib/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> words;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    char c = static_cast<char>(data[i]);
    if (c == '\0' || c == ' ') {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(cur);
  try {
    roost::SearchQuery q = roost::parse_search_query(words, 1700000000);
    (void)roost::describe(q.root);
    roost::SearchMatcher m(std::move(q));
    (void)m.may_match_mailbox("INBOX/sub", "0123456789abcdef0123456789abcdef");
  } catch (const roost::Error&) {
  }
  return 0;
}
