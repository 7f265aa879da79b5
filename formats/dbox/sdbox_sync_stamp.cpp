#include "formats/dbox/sdbox_sync_stamp.hpp"

#include "lib/strutil.hpp"

namespace roost {

std::string encode_sdbox_sync_stamp(const SdboxSyncStamp& stamp) {
  return "S" + stamp.dirs + "\nD" + stamp.dovecot + "\nM" + std::to_string(stamp.dovecot_modseq) +
         "\nW" + stamp.written;
}

SdboxSyncStamp decode_sdbox_sync_stamp(const std::string& text) {
  SdboxSyncStamp out;
  for (const auto& line : split(text, '\n')) {
    if (line.empty()) continue;
    std::string value = line.substr(1);
    if (line[0] == 'S') out.dirs = value;
    if (line[0] == 'D') out.dovecot = value;
    if (line[0] == 'M') out.dovecot_modseq = parse_u64(value).value_or(0);
    if (line[0] == 'W') out.written = value;
  }
  return out;
}

}  // namespace roost
