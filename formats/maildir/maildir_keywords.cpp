#include "formats/maildir/maildir_keywords.hpp"

#include "lib/strutil.hpp"

namespace roost {

MaildirKeywords MaildirKeywords::parse(std::string_view data) {
  MaildirKeywords kw;
  for (const auto& line : split(data, '\n')) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    auto idx = parse_u32(std::string_view(line).substr(0, sp));
    std::string name = line.substr(sp + 1);
    if (!idx || *idx >= 26 || name.empty() || kw.find(name)) continue;
    kw.slots[*idx] = name;
  }
  return kw;
}

std::string MaildirKeywords::serialize() const {
  std::string out;
  for (size_t i = 0; i < slots.size(); ++i)
    if (!slots[i].empty()) out += std::to_string(i) + " " + slots[i] + "\n";
  return out;
}

std::optional<int> MaildirKeywords::find(std::string_view name) const {
  for (size_t i = 0; i < slots.size(); ++i)
    if (!slots[i].empty() && iequals(slots[i], name)) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> MaildirKeywords::find_or_add(std::string_view name, bool& added) {
  if (auto i = find(name)) return i;
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].empty()) {
      slots[i] = std::string(name);
      added = true;
      return static_cast<int>(i);
    }
  return std::nullopt;
}

}  // namespace roost
