#pragma once
// The bytes of Roost's mdbox map files (pure, no I/O): the snapshot body of
// `storage/roost.map` and the payload of one committed transaction in
// `storage/roost.map.log`. MdboxMap (mdbox_map.hpp) adds the files, the
// framing and crash safety. Entries are fixed-size records, so the map of a
// 100,000-message storage is ~2.8 MB on disk and ~3.2 MB in memory.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// Where one stored message lives and how many mailbox records point at it.
struct MdboxMapEntry {
  uint32_t map_uid = 0;
  uint32_t file_id = 0;   // m.<file_id>, in the primary or the ALT storage dir
  uint64_t offset = 0;    // of the message header
  uint64_t size = 0;      // header + body + metadata
  uint32_t refcount = 0;  // mailbox records referencing it (0: purge removes it)
  bool operator==(const MdboxMapEntry&) const = default;
};

// The map's own header: UIDVALIDITY, the next map UID and the opaque stamp
// (encode_mdbox_map_stamp: highest file id, purge files, Dovecot signature).
struct MdboxMapFileHeader {
  uint32_t uid_validity = 0;
  uint32_t uidnext = 1;
  std::string stamp;
  bool operator==(const MdboxMapFileHeader&) const = default;
};

// One committed transaction, applied in this order: reset (drop every
// entry, uidnext back to 1), header (UIDVALIDITY + stamp; uidnext kept),
// removes, puts (new entry or the new state of one; uidnext rises past it).
// A UID appears at most once among removes + puts.
struct MdboxMapChange {
  bool reset = false;
  bool set_header = false;
  uint32_t uid_validity = 0;
  std::string stamp;
  std::vector<uint32_t> removes;
  std::vector<MdboxMapEntry> puts;
};

// Snapshot body: header, then the entries sorted by map UID.
std::string encode_mdbox_map_snapshot(const MdboxMapFileHeader& header,
                                      const std::vector<MdboxMapEntry>& entries);
void decode_mdbox_map_snapshot(std::string_view body, const std::string& what,
                               MdboxMapFileHeader& header, std::vector<MdboxMapEntry>& entries);

// The header alone (the entries are checked for length only).
void decode_mdbox_map_snapshot_header(std::string_view body, const std::string& what,
                                      MdboxMapFileHeader& header);

std::string encode_mdbox_map_change(const MdboxMapChange& change);
MdboxMapChange decode_mdbox_map_change(std::string_view payload, const std::string& what);

}  // namespace roost
