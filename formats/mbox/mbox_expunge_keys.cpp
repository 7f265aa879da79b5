#include "formats/mbox/mbox_expunge_keys.hpp"

#include <charconv>

namespace roost {

std::string encode_mbox_expunge_keys(uint32_t uidvalidity,
                                     const std::map<uint32_t, std::string>& keys) {
  std::string out = std::to_string(uidvalidity) + "\n";
  for (const auto& [uid, key] : keys)
    if (!key.empty() && key.find('\n') == std::string::npos)
      out += std::to_string(uid) + " " + key + "\n";
  return out;
}

std::map<uint32_t, std::string> decode_mbox_expunge_keys(std::string_view text,
                                                         uint32_t uidvalidity) {
  std::map<uint32_t, std::string> keys;
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos || text.substr(0, nl) != std::to_string(uidvalidity))
    return keys;
  text.remove_prefix(nl + 1);
  while (!text.empty()) {
    nl = text.find('\n');
    if (nl == std::string_view::npos) break;  // a line without its LF: torn
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    size_t sp = line.find(' ');
    if (sp == 0 || sp == std::string_view::npos || sp + 1 == line.size()) continue;
    uint32_t uid = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + sp, uid);
    if (ec != std::errc() || end != line.data() + sp || uid == 0) continue;
    keys[uid] = std::string(line.substr(sp + 1));
  }
  return keys;
}

}  // namespace roost
