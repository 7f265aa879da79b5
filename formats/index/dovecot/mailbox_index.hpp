#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/index/dovecot/index_view.hpp"

namespace roost {

// Index flag bits of a record's flags byte (mail-index-format.md §2.3).
constexpr uint8_t kDovecotFlagAnswered = 0x01;
constexpr uint8_t kDovecotFlagFlagged = 0x02;
constexpr uint8_t kDovecotFlagDeleted = 0x04;
constexpr uint8_t kDovecotFlagSeen = 0x08;
constexpr uint8_t kDovecotFlagDraft = 0x10;
constexpr uint8_t kDovecotFlagBackend = 0x40;  // dbox: the mail is in ALT storage
constexpr uint8_t kDovecotFlagDirty = 0x80;

struct DovecotMailRecord {
  uint32_t uid = 0;
  uint8_t flags = 0;                  // the raw flags byte
  std::vector<std::string> keywords;  // names, in keyword index order
  std::string guid;                   // `guid` ext as 32 lowercase hex; empty if none (sdbox)
  uint32_t map_uid = 0;               // mdbox: `mdbox` ext
  uint32_t save_date = 0;             // mdbox: `mdbox` ext
  uint64_t modseq = 0;                // 0 when Dovecot doesn't track it for this index
};

// `hdr-vsize` (index-storage.c's mailbox_index_vsize).
struct DovecotVsizeHeader {
  uint64_t vsize = 0;
  uint32_t highest_uid = 0;
  uint32_t message_count = 0;
};

// A mailbox's dovecot.index + log as Dovecot currently sees it.
struct DovecotMailboxIndex {
  uint32_t uid_validity = 0;
  uint32_t next_uid = 0;
  uint32_t first_recent_uid = 0;
  uint64_t highest_modseq = 0;
  std::string mailbox_guid;         // dbox-hdr / mdbox-hdr / mbox, 32 hex; empty if none
  uint32_t map_uid_validity = 0;    // mdbox-hdr
  uint32_t dbox_rebuild_count = 0;  // sdbox dbox-hdr
  std::optional<DovecotVsizeHeader> vsize;
  std::vector<std::string> keywords;       // all keyword names of the mailbox
  std::vector<DovecotMailRecord> records;  // UID ascending
  std::vector<std::string> notes;          // see DovecotIndexView::notes
  DovecotIndexView view;                   // everything else (other extensions)
};

// Pure: the mailbox view of a replayed index.
DovecotMailboxIndex dovecot_mailbox_index_from_view(DovecotIndexView view);

// Reads `<dir>/dovecot.index{,.log,.log.2}`; `dir` is a mailbox's index
// directory (for dbox the `dbox-Mails` folder). Errors as
// load_dovecot_index_view.
DovecotMailboxIndex load_dovecot_mailbox_index(const std::string& dir);

}  // namespace roost
