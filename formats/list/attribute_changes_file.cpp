#include "formats/list/attribute_changes_file.hpp"

#include <xxhash.h>

#include <cstdio>

#include "lib/strutil.hpp"

namespace roost {
namespace {

bool parse_dec(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

bool parse_hex(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 16) return false;
  out = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    out = out * 16 + static_cast<uint64_t>(d);
  }
  return true;
}

}  // namespace

AttributeChanges parse_attribute_changes(std::string_view data) {
  AttributeChanges out;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) break;  // torn last line
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    std::string_view f[5];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= line.size() && n < 6; ++i) {
      if (i == line.size() || line[i] == '\t') {
        if (n < 5) f[n] = line.substr(start, i - start);
        ++n;
        start = i + 1;
      }
    }
    if ((n != 4 && n != 5) || f[0].empty() || f[3].empty()) continue;
    AttributeChange c;
    uint64_t ts = 0;
    if (!parse_dec(f[1], ts) || !parse_dec(f[2], c.modseq)) continue;
    c.last_change = static_cast<int64_t>(ts);
    if (f[3] == "d") {
      c.deleted = true;
    } else if (f[3][0] != 'v' || !parse_hex(f[3].substr(1), c.value_hash)) {
      continue;
    }
    if (n == 5 && (f[4].size() < 2 || f[4][0] != 's' || !parse_hex(f[4].substr(1), c.synced_hash)))
      continue;
    out[tab_unescape(f[0])] = c;
  }
  return out;
}

std::string serialize_attribute_changes(const AttributeChanges& changes) {
  std::string out;
  for (const auto& [key, c] : changes) {
    out += tab_escape(key);
    out += '\t' + std::to_string(c.last_change < 0 ? 0 : c.last_change) + '\t' +
           std::to_string(c.modseq) + '\t';
    if (c.deleted) {
      out += 'd';
    } else {
      char b[20];
      std::snprintf(b, sizeof b, "v%llx", static_cast<unsigned long long>(c.value_hash));
      out += b;
    }
    if (c.synced_hash) {
      char b[20];
      std::snprintf(b, sizeof b, "\ts%llx", static_cast<unsigned long long>(c.synced_hash));
      out += b;
    }
    out += '\n';
  }
  return out;
}

uint64_t attribute_value_hash(std::string_view value) {
  return XXH3_64bits(value.data(), value.size());
}

}  // namespace roost
