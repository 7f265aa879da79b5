#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/index/dovecot/index_view.hpp"

namespace roost {

// Where an mdbox message lives (dbox-format.md §3.2).
struct DovecotMapRecord {
  uint32_t map_uid = 0;
  uint32_t file_id = 0;   // storage/m.<file_id> (or the ALT storage's)
  uint32_t offset = 0;    // of the 30-byte dbox message header in that file
  uint32_t size = 0;      // header + body + metadata
  uint16_t refcount = 0;  // mailbox records pointing here (`ref` ext)
};

struct DovecotMapIndex {
  uint32_t uid_validity = 0;  // must equal the mailboxes' map_uid_validity
  uint32_t next_uid = 0;
  uint32_t highest_file_id = 0;
  uint32_t rebuild_count = 0;
  std::vector<DovecotMapRecord> records;  // map UID ascending
  std::vector<std::string> notes;

  // The record of a map UID, or nullptr.
  const DovecotMapRecord* find(uint32_t map_uid) const;
};

// Pure: the map view of a replayed dovecot.map.index.
DovecotMapIndex dovecot_map_index_from_view(const DovecotIndexView& view);

// Reads `<storage_dir>/dovecot.map.index{,.log,.log.2}`.
DovecotMapIndex load_dovecot_map_index(const std::string& storage_dir);

}  // namespace roost
