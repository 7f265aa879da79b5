#include "formats/dbox/sdbox_dovecot_import.hpp"

#include <iostream>

#include "formats/index/dovecot/mailbox_index.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

SdboxDovecotState sdbox_state_from_dovecot(const DovecotMailboxIndex& index) {
  SdboxDovecotState s;
  s.uid_validity = index.uid_validity;
  s.next_uid = index.next_uid;
  s.first_recent_uid = index.first_recent_uid;
  s.highest_modseq = index.highest_modseq;
  if (auto g = Guid128::parse(index.mailbox_guid)) s.mailbox_guid = *g;
  s.keywords = index.keywords;
  for (const auto& r : index.records) {
    SdboxDovecotState::Record rec;
    // Dovecot's index flag bits are the IMAP ones (0x40 ALT, 0x80 dirty are
    // backend bits).
    rec.flags.system = static_cast<uint8_t>(r.flags & kFlagsStorable);
    for (const auto& kw : r.keywords) rec.flags.add_keyword(kw);
    rec.modseq = r.modseq;
    s.records[r.uid] = std::move(rec);
  }
  return s;
}

std::optional<SdboxDovecotState> load_sdbox_dovecot_state(const std::string& dir) {
  if (!path_exists(path_join(dir, "dovecot.index")) &&
      !path_exists(path_join(dir, "dovecot.index.log")))
    return std::nullopt;
  try {
    return sdbox_state_from_dovecot(load_dovecot_mailbox_index(dir));
  } catch (const Error& e) {
    std::cerr << "roost: warning: " << e.what()
              << "; Dovecot's flags for this mailbox are not imported (the mail itself is read "
                 "from the u.N files)\n";
    return std::nullopt;
  }
}

}  // namespace roost
