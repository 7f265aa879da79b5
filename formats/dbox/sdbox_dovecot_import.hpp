#pragma once
// What Roost takes from a Dovecot index of an sdbox mailbox (pure): flags
// and keywords per UID, UIDVALIDITY, next UID, mailbox GUID. The message
// GUIDs come from the u.N files, never from here.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/model/flags.hpp"
#include "lib/guid.hpp"

namespace roost {

struct DovecotMailboxIndex;

struct SdboxDovecotState {
  uint32_t uid_validity = 0;
  uint32_t next_uid = 0;
  uint32_t first_recent_uid = 0;
  uint64_t highest_modseq = 0;
  Guid128 mailbox_guid;
  std::vector<std::string> keywords;
  struct Record {
    MessageFlags flags;
    uint64_t modseq = 0;  // 0: Dovecot's files don't say when it last changed
  };
  std::map<uint32_t, Record> records;
};

SdboxDovecotState sdbox_state_from_dovecot(const DovecotMailboxIndex& index);

// Loads the Dovecot index in `dir`; nullopt (with a warning on stderr) when
// there is none or it can't be read — the u.N files still are.
std::optional<SdboxDovecotState> load_sdbox_dovecot_state(const std::string& dir);

}  // namespace roost
