#include "dsync/dsync_compact_flags.hpp"

#include <algorithm>

#include "lib/strutil.hpp"

namespace roost::dsync {

CompactFlags KeywordSets::add(const MessageFlags& f) {
  CompactFlags c{static_cast<uint8_t>(f.system & kFlagsStorable), 0};
  if (f.keywords.empty()) return c;
  auto [it, fresh] = ids_.try_emplace(f.keywords, static_cast<uint32_t>(sets_.size()));
  if (fresh) sets_.push_back(f.keywords);
  c.keywords = it->second;
  return c;
}

bool same_flags(CompactFlags a, const KeywordSets& at, CompactFlags b, const KeywordSets& bt) {
  if ((a.system & kFlagsStorable) != (b.system & kFlagsStorable)) return false;
  const auto &ka = at.keywords(a), &kb = bt.keywords(b);
  if (ka.size() != kb.size()) return false;
  for (const auto& k : ka)
    if (std::none_of(kb.begin(), kb.end(), [&](const std::string& o) { return iequals(o, k); }))
      return false;
  return true;
}

}  // namespace roost::dsync
