#include "formats/model/flags.hpp"

#include <algorithm>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
struct FlagName {
  uint8_t bit;
  const char* name;
};
constexpr FlagName kFlagNames[] = {
    {kFlagAnswered, "\\Answered"}, {kFlagFlagged, "\\Flagged"}, {kFlagDeleted, "\\Deleted"},
    {kFlagSeen, "\\Seen"},         {kFlagDraft, "\\Draft"},     {kFlagRecent, "\\Recent"},
};

bool valid_keyword(std::string_view kw) {
  if (kw.empty()) return false;
  for (unsigned char c : kw) {
    // IMAP atom-specials plus '\' (only system flags start with it).
    if (c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' ||
        c == '"' || c == '\\' || c == ']')
      return false;
  }
  return true;
}
}  // namespace

uint8_t system_flag_from_name(std::string_view name) {
  for (const auto& f : kFlagNames)
    if (iequals(name, f.name)) return f.bit;
  return 0;
}

bool MessageFlags::has_keyword(std::string_view kw) const {
  return std::any_of(keywords.begin(), keywords.end(),
                     [&](const std::string& k) { return iequals(k, kw); });
}

void MessageFlags::add_keyword(std::string_view kw) {
  if (!has_keyword(kw)) keywords.emplace_back(kw);
}

void MessageFlags::remove_keyword(std::string_view kw) {
  std::erase_if(keywords, [&](const std::string& k) { return iequals(k, kw); });
}

MessageFlags parse_flag_list(std::string_view text) {
  MessageFlags out;
  std::string t(text);
  // Accept an IMAP-style parenthesized list too.
  if (!t.empty() && t.front() == '(' && t.back() == ')') t = t.substr(1, t.size() - 2);
  for (const auto& word : split_ws(t)) {
    if (word[0] == '\\') {
      uint8_t bit = system_flag_from_name(word);
      if (!bit)
        throw Error(kExitUsage, "invalid system flag '" + word +
                                    "': use \\Answered \\Flagged \\Deleted \\Seen or \\Draft");
      out.system |= bit;
    } else {
      if (!valid_keyword(word))
        throw Error(kExitUsage, "invalid keyword '" + word +
                                    "': keywords are IMAP atoms (no spaces, parentheses, quotes, "
                                    "'%', '*', ']' or '\\')");
      out.add_keyword(word);
    }
  }
  return out;
}

std::string format_flags(const MessageFlags& flags) {
  std::string out;
  for (const auto& f : kFlagNames) {
    if (flags.system & f.bit) {
      if (!out.empty()) out += ' ';
      out += f.name;
    }
  }
  for (const auto& kw : flags.keywords) {
    if (!out.empty()) out += ' ';
    out += kw;
  }
  return out;
}

void apply_flag_update(MessageFlags& target, FlagOp op, const MessageFlags& change) {
  switch (op) {
    case FlagOp::kAdd:
      target.system |= change.system;
      for (const auto& k : change.keywords) target.add_keyword(k);
      break;
    case FlagOp::kRemove:
      target.system &= static_cast<uint8_t>(~change.system);
      for (const auto& k : change.keywords) target.remove_keyword(k);
      break;
    case FlagOp::kReplace: {
      uint8_t recent = target.system & kFlagRecent;
      target = change;
      target.system = static_cast<uint8_t>((change.system & ~kFlagRecent) | recent);
      break;
    }
  }
}

}  // namespace roost
