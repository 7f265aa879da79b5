#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace roost {

// dovecot-keywords: keyword letter a..z <-> name, per folder (pure).
struct MaildirKeywords {
  std::array<std::string, 26> slots;  // "" = unused

  static MaildirKeywords parse(std::string_view data);
  std::string serialize() const;
  // Slot of `name` (case-insensitive, as IMAP keywords compare).
  std::optional<int> find(std::string_view name) const;
  // Slot of `name`, assigning the first free one; nullopt when all 26 are
  // taken (the keyword then lives only in the index).
  std::optional<int> find_or_add(std::string_view name, bool& added);
};

}  // namespace roost
