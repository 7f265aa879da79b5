#pragma once
// What an sdbox mailbox's index remembers about the disk at its last sync
// (kept in IndexHeader::sync_stamp): the mtimes of the mail dirs, and the
// identity and HIGHESTMODSEQ of the Dovecot index it last imported. Pure
// encoding; the stat() calls are in sdbox_mailbox.cpp.
#include <cstdint>
#include <string>

namespace roost {

struct SdboxSyncStamp {
  std::string dirs;             // "" = not trusted (rescan on next open)
  std::string dovecot;          // identity of dovecot.index + .log at the last import; "" = none
  uint64_t dovecot_modseq = 0;  // Dovecot's HIGHESTMODSEQ at the last import
  // Identity of Dovecot's index files right after Roost last wrote to
  // Dovecot's log (sdbox_dovecot_log.hpp): nothing to import while unchanged.
  std::string written;
};

std::string encode_sdbox_sync_stamp(const SdboxSyncStamp& stamp);
// An unreadable stamp decodes as empty (a full rescan and import).
SdboxSyncStamp decode_sdbox_sync_stamp(const std::string& text);

}  // namespace roost
