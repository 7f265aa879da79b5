#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "formats/index/dovecot/index_file.hpp"
#include "formats/index/dovecot/transaction_log.hpp"

namespace roost {

// An extension of the current view. Unlike in the file, record data is kept
// per record (see DovecotViewRecord::ext), so no record layout is needed.
struct DovecotViewExt {
  std::string name;
  uint32_t reset_id = 0;
  uint16_t record_size = 0;
  uint16_t record_align = 0;
  std::string hdr;
};

struct DovecotViewRecord {
  uint32_t uid = 0;
  uint8_t flags = 0;
  std::vector<std::string> ext;  // [ext id] -> record_size bytes (may be empty)
  std::vector<bool> keywords;    // [keyword index] -> set
  uint64_t modseq = 0;           // 0 = unknown (no modseq ext and not changed in the log)
};

// The state of one index (dovecot.index + log tail), as Dovecot's sync
// would have it in memory. `base_raw` is the 120-byte base header; counts in
// it are as last written, use records.size() etc. for the current ones.
struct DovecotIndexView {
  std::string base_raw = std::string(kDovecotBaseHeaderSize, '\0');
  std::vector<DovecotViewExt> exts;  // index = Dovecot's ext id
  std::vector<std::string> keywords;
  std::vector<DovecotViewRecord> records;  // UID ascending
  uint64_t highest_modseq = 0;
  bool deleted = false;             // INDEX_DELETED seen (mailbox being deleted)
  std::vector<std::string> notes;   // ignored torn log tails etc.

  DovecotBaseHeader header() const { return decode_dovecot_base_header(base_raw); }
  // Ext id by name, or -1.
  int ext_id(std::string_view name) const;
  // A record's data for the named ext (empty when there's none).
  std::string_view ext_data(const DovecotViewRecord& r, std::string_view name) const;
  std::string_view ext_hdr(std::string_view name) const;
};

// A view with no records: what Dovecot starts from when only a log exists.
DovecotIndexView empty_dovecot_index_view();

// Pure: the view of a parsed index file (keywords and modseqs decoded).
// Throws roost::Error(kExitDataErr) naming `name` for a bad keywords header.
DovecotIndexView dovecot_index_view_from_file(const DovecotIndexFile& f, const std::string& name);

// Pure: applies the records of `log` at offsets >= `start_offset` to `view`;
// the earlier ones only advance the modseq counter, which starts from the
// log's initial_modseq. Throws roost::Error(kExitDataErr) naming `name` and
// the record offset when a record can't be applied.
void apply_dovecot_log(DovecotIndexView& view, const DovecotLog& log, uint32_t start_offset,
                       const std::string& name);

}  // namespace roost
