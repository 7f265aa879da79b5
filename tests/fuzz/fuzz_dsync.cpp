// Fuzzes the dsync wire decoder (whatever a peer sends) and the -s state
// string, the deleted-mailboxes log, the attribute files (dovecot-attributes,
// roost-attributes) and the mail_attribute_dict setting: no crash, and every
// item that decodes encodes into bytes that decode to the same kind of item
// again; what the files parse to serialises back to the same.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dsync/dsync_state.hpp"
#include "dsync/dsync_wire.hpp"
#include "formats/list/attribute_changes_file.hpp"
#include "formats/list/attribute_dict_file.hpp"
#include "formats/list/attribute_dict_setting.hpp"
#include "formats/list/deleted_mailboxes_file.hpp"
#include "lib/error.hpp"

using namespace roost::dsync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Half the inputs get a valid preamble so the fuzzer reaches the items.
  std::string bytes = (size > 0 && data[0] & 1) ? encode_preamble() + std::string(input.substr(1))
                                                : std::string(input);
  try {
    WireDecoder d;
    d.feed(bytes);
    int guard = 0;
    while (auto it = d.next()) {
      if (++guard > 10000) break;
      if (std::holds_alternative<Skipped>(*it)) continue;
      WireDecoder again;
      again.feed(encode_preamble() + encode_item(*it));
      auto back = again.next();
      if (!back || back->index() != it->index()) abort();
    }
  } catch (const roost::Error&) {
  }
  // The deleted-mailboxes log: whatever parses serialises back to itself.
  for (const auto& d : roost::parse_deleted_mailboxes(input))
    if (roost::parse_deleted_mailboxes(roost::serialize_deleted_mailbox(d)).size() != 1) abort();
  auto dict = roost::parse_attribute_dict(input);
  if (roost::parse_attribute_dict(roost::serialize_attribute_dict(dict)) != dict) abort();
  auto changes = roost::parse_attribute_changes(input);
  auto changes_again = roost::parse_attribute_changes(roost::serialize_attribute_changes(changes));
  if (changes_again.size() != changes.size()) abort();
  // mail_attribute_dict: a path comes out absolute, or a config error.
  try {
    std::string path = roost::attribute_dict_path(std::string(input), "/home/u");
    if (!path.empty() && path[0] != '/') abort();
  } catch (const roost::Error&) {
  }
  // Its typed records (renames, subscription changes) likewise, and the
  // two readers never take each other's lines.
  for (const auto& c : roost::parse_mailbox_list_changes(input)) {
    std::string line = roost::serialize_mailbox_list_change(c);
    if (roost::parse_mailbox_list_changes(line).size() != 1) abort();
    if (!roost::parse_deleted_mailboxes(line).empty()) abort();
  }
  std::string err;
  if (auto st = import_state(input, err)) {
    auto again = import_state(export_state(*st), err);
    if (!again || again->size() != st->size()) abort();
  }
  return 0;
}
