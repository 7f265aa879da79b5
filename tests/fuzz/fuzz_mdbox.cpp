// Fuzzes mdbox's own parsers: the damage-tolerant scan of an m.N file
// (every message it reports must lie inside the data and parse again on its
// own), the map's header stamp, entry locators, snapshot body and log
// transaction (what decodes must encode and decode back the same), and the
// mailbox record locator.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "formats/dbox/mdbox_file.hpp"
#include "formats/dbox/mdbox_mailbox.hpp"
#include "formats/dbox/mdbox_map.hpp"
#include "lib/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto scan = roost::scan_mdbox_file(in, "fuzz");
  uint64_t prev_end = 0;
  for (const auto& m : scan.messages) {
    if (m.offset < prev_end || m.offset + m.size > in.size()) abort();
    if (m.body_offset + m.body_size > m.offset + m.size) abort();
    auto again = roost::parse_mdbox_message(
        in.substr(m.offset), static_cast<uint32_t>(m.body_offset - m.offset), "fuzz", m.offset);
    if (again.size != m.size || !(again.meta == m.meta)) abort();
    prev_end = m.offset + m.size;
  }
  std::string text(in);
  auto h = roost::decode_mdbox_map_stamp(text, 7);
  auto h2 = roost::decode_mdbox_map_stamp(roost::encode_mdbox_map_stamp(h), 7);
  if (h2.highest_file_id != h.highest_file_id || h2.pending_files != h.pending_files ||
      h2.retired_files != h.retired_files)
    abort();
  if (auto e = roost::decode_mdbox_map_locator(3, text)) {
    auto e2 = roost::decode_mdbox_map_locator(3, roost::encode_mdbox_map_locator(*e));
    if (!e2 || e2->file_id != e->file_id || e2->offset != e->offset || e2->size != e->size ||
        e2->refcount != e->refcount)
      abort();
  }
  try {
    roost::MdboxMapFileHeader mh;
    std::vector<roost::MdboxMapEntry> entries;
    roost::decode_mdbox_map_snapshot(in, "fuzz", mh, entries);
    roost::MdboxMapFileHeader mh2;
    std::vector<roost::MdboxMapEntry> entries2;
    roost::decode_mdbox_map_snapshot(roost::encode_mdbox_map_snapshot(mh, entries), "fuzz", mh2,
                                     entries2);
    if (!(mh2 == mh) || entries2 != entries) abort();
  } catch (const roost::Error&) {
  }
  try {
    roost::MdboxMapFileHeader mh;
    roost::decode_mdbox_map_snapshot_header(in, "fuzz", mh);
  } catch (const roost::Error&) {
  }
  try {
    auto c = roost::decode_mdbox_map_change(in, "fuzz");
    auto c2 = roost::decode_mdbox_map_change(roost::encode_mdbox_map_change(c), "fuzz");
    if (c2.reset != c.reset || c2.set_header != c.set_header || c2.stamp != c.stamp ||
        c2.uid_validity != c.uid_validity || c2.removes != c.removes || c2.puts != c.puts)
      abort();
  } catch (const roost::Error&) {
  }
  if (auto l = roost::parse_mdbox_locator(text)) {
    auto l2 = roost::parse_mdbox_locator(roost::format_mdbox_locator(*l));
    if (!l2 || l2->map_uid != l->map_uid || l2->alt != l->alt) abort();
  }
  return 0;
}
