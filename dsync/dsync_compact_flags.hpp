#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "formats/model/flags.hpp"

namespace roost::dsync {

// A message's flags in 8 bytes: the system flags and the number of its
// keyword set in a KeywordSets table (0: no keywords). A mailbox's mails
// share a handful of keyword sets, so a list of 100,000 flags holds a few
// vectors of strings instead of 100,000.
struct CompactFlags {
  uint8_t system = 0;
  uint32_t keywords = 0;
};

class KeywordSets {
 public:
  KeywordSets() : sets_(1) {}
  CompactFlags add(const MessageFlags& f);
  const std::vector<std::string>& keywords(CompactFlags f) const { return sets_[f.keywords]; }
  MessageFlags flags(CompactFlags f) const { return {f.system, sets_[f.keywords]}; }

 private:
  std::vector<std::vector<std::string>> sets_;
  std::map<std::vector<std::string>, uint32_t> ids_;
};

// Whether two flag sets (each from its own table) are equal as IMAP sees
// them: storable system flags, keywords as a set (case-insensitive).
bool same_flags(CompactFlags a, const KeywordSets& at, CompactFlags b, const KeywordSets& bt);

}  // namespace roost::dsync
