#include "formats/list/subscriptions_file.hpp"

#include "lib/error.hpp"
#include "lib/imap/mutf7.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

std::string level_from_disk(const std::string& level, bool utf8_names) {
  if (utf8_names || level.find('&') == std::string::npos) return level;
  try {
    return mutf7_decode(level);
  } catch (const Error&) {
    return level;
  }
}

bool needs_mutf7(const std::string& level) {
  for (unsigned char c : level)
    if (c == '&' || c >= 0x80) return true;
  return false;
}

std::string level_to_disk(const std::string& level, bool utf8_names) {
  if (utf8_names || !needs_mutf7(level)) return level;
  try {
    return mutf7_encode(level);
  } catch (const Error&) {
    return level;
  }
}

}  // namespace

std::vector<std::string> parse_subscriptions(std::string_view data, char separator,
                                             bool utf8_names) {
  std::vector<std::string> out;
  bool v2 = data.substr(0, 4) == "V\t2\n";
  if (v2) {
    data.remove_prefix(4);
    if (!data.empty() && data[0] == '\n') data.remove_prefix(1);
  }
  for (const auto& line : split(data, '\n')) {
    if (line.empty()) continue;
    std::string name;
    if (v2) {
      std::vector<std::string> parts;
      for (const auto& p : split(line, '\t'))
        parts.push_back(level_from_disk(tab_unescape(p), utf8_names));
      name = join(parts, std::string(1, separator));
    } else {
      std::vector<std::string> parts;
      for (const auto& p : split(line, separator)) parts.push_back(level_from_disk(p, utf8_names));
      name = join(parts, std::string(1, separator));
    }
    if (iequals(name, "INBOX")) name = "INBOX";
    bool dup = false;
    for (const auto& n : out) dup = dup || n == name;
    if (!dup) out.push_back(name);
  }
  return out;
}

std::string serialize_subscriptions(const std::vector<std::string>& names, char separator,
                                    bool utf8_names) {
  std::string out = "V\t2\n\n";
  for (const auto& name : names) {
    std::vector<std::string> parts;
    for (const auto& p : split(name, separator))
      parts.push_back(tab_escape(level_to_disk(p, utf8_names)));
    out += join(parts, "\t") + "\n";
  }
  return out;
}

}  // namespace roost
