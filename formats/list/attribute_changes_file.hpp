#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace roost {

// `roost-attributes`: what the dict file has no room for, beside it. One
// line per attribute ever set through Roost, keyed like the dict
// ("priv/<mailbox guid>/<key>", tab-escaped):
//   <key>\t<last_change>\t<modseq>\tv<xxh3-64 of the value, hex>   (set)
//   <key>\t<last_change>\t<modseq>\td                               (deleted)
// optionally followed by \ts<hex>: the state hash both sides of the last
// sync agreed on (MailboxAttribute::synced_hash).
// The value hash tells whether the dict still holds what Roost wrote (or
// another program such as Dovecot changed it since). Malformed or torn
// lines are skipped.
inline constexpr const char* kAttributeChangesFile = "roost-attributes";

struct AttributeChange {
  int64_t last_change = 0;
  uint64_t modseq = 0;
  bool deleted = false;
  uint64_t value_hash = 0;
  uint64_t synced_hash = 0;  // 0 = unknown
};

using AttributeChanges = std::map<std::string, AttributeChange>;

AttributeChanges parse_attribute_changes(std::string_view data);
std::string serialize_attribute_changes(const AttributeChanges& changes);
uint64_t attribute_value_hash(std::string_view value);

}  // namespace roost
