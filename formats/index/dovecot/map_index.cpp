#include "formats/index/dovecot/map_index.hpp"

#include <algorithm>

#include "formats/index/dovecot/index_loader.hpp"
#include "formats/index/dovecot/le_bytes.hpp"

namespace roost {

using namespace dovecot_bytes;

const DovecotMapRecord* DovecotMapIndex::find(uint32_t map_uid) const {
  auto it = std::lower_bound(records.begin(), records.end(), map_uid,
                             [](const DovecotMapRecord& r, uint32_t u) { return r.map_uid < u; });
  return it != records.end() && it->map_uid == map_uid ? &*it : nullptr;
}

DovecotMapIndex dovecot_map_index_from_view(const DovecotIndexView& v) {
  DovecotMapIndex m;
  const DovecotBaseHeader h = v.header();
  m.uid_validity = h.uid_validity;
  m.next_uid = h.next_uid;
  if (auto d = v.ext_hdr("map"); d.size() >= 8) {
    m.highest_file_id = le32(d, 0);
    m.rebuild_count = le32(d, 4);
  }
  const int map_id = v.ext_id("map"), ref_id = v.ext_id("ref");
  for (const auto& r : v.records) {
    DovecotMapRecord out;
    out.map_uid = r.uid;
    if (map_id >= 0 && r.ext[map_id].size() >= 12) {
      out.file_id = le32(r.ext[map_id], 0);
      out.offset = le32(r.ext[map_id], 4);
      out.size = le32(r.ext[map_id], 8);
    }
    if (ref_id >= 0 && r.ext[ref_id].size() >= 2) out.refcount = le16(r.ext[ref_id], 0);
    m.records.push_back(out);
  }
  m.notes = v.notes;
  return m;
}

DovecotMapIndex load_dovecot_map_index(const std::string& storage_dir) {
  return dovecot_map_index_from_view(load_dovecot_index_view(storage_dir, "dovecot.map.index"));
}

}  // namespace roost
