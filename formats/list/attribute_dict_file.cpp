#include "formats/list/attribute_dict_file.hpp"

#include "lib/strutil.hpp"

namespace roost {

AttributeDict parse_attribute_dict(std::string_view data) {
  AttributeDict out;
  size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= data.size()) return false;
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) nl = data.size();
    line = data.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string_view key, value;
  while (next_line(key)) {
    if (!next_line(value)) break;
    out[tab_unescape(key)] = tab_unescape(value);
  }
  return out;
}

std::string serialize_attribute_dict(const AttributeDict& dict) {
  std::string out;
  for (const auto& [k, v] : dict) {
    out += tab_escape(k);
    out += '\n';
    out += tab_escape(v);
    out += '\n';
  }
  return out;
}

std::string attribute_dict_prefix(AttributeType type, const Guid128& mailbox) {
  return (type == AttributeType::kPrivate ? "priv/" : "shared/") + mailbox.hex() + "/";
}

std::string attribute_dict_key(AttributeType type, const Guid128& mailbox, const std::string& key) {
  return attribute_dict_prefix(type, mailbox) + key;
}

}  // namespace roost
