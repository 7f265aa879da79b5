#include "formats/list/subscriptions_file.hpp"

#include "lib/strutil.hpp"

namespace roost {

std::vector<std::string> parse_subscriptions(std::string_view data, char separator) {
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
      for (const auto& p : split(line, '\t')) parts.push_back(tab_unescape(p));
      name = join(parts, std::string(1, separator));
    } else {
      name = line;
    }
    if (iequals(name, "INBOX")) name = "INBOX";
    bool dup = false;
    for (const auto& n : out) dup = dup || n == name;
    if (!dup) out.push_back(name);
  }
  return out;
}

std::string serialize_subscriptions(const std::vector<std::string>& names, char separator) {
  std::string out = "V\t2\n\n";
  for (const auto& name : names) {
    std::vector<std::string> parts;
    for (const auto& p : split(name, separator)) parts.push_back(tab_escape(p));
    out += join(parts, "\t") + "\n";
  }
  return out;
}

}  // namespace roost
