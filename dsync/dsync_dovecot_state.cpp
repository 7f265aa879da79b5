#include "dsync/dsync_dovecot_state.hpp"

#include <algorithm>

namespace roost::dsync {

bool unchanged_since_state(const MailboxState& state, const MailboxItem& own) {
  return state.last_uidvalidity == own.uid_validity && state.last_uidvalidity != 0 &&
         static_cast<uint64_t>(state.last_common_uid) + 1 == own.uid_next &&
         state.last_common_modseq == own.highest_modseq &&
         state.last_common_pvt_modseq == own.highest_pvt_modseq &&
         state.last_messages_count == own.messages_count;
}

bool boxes_differ(const MailboxItem& a, const MailboxItem& b) {
  return a.uid_validity != b.uid_validity || a.uid_next != b.uid_next ||
         a.messages_count != b.messages_count || a.highest_modseq != b.highest_modseq ||
         a.highest_pvt_modseq != b.highest_pvt_modseq || a.first_recent_uid != b.first_recent_uid;
}

MailboxState dovecot_common_state(const MailboxItem& master_after,
                                  const MailboxItem& slave_announced,
                                  const MailboxState& slave_state) {
  MailboxState st;
  st.mailbox_guid = slave_state.mailbox_guid;
  st.last_uidvalidity = master_after.uid_validity;
  uint32_t own_uid = master_after.uid_next ? master_after.uid_next - 1 : 0;
  st.last_common_uid = std::min(own_uid, slave_state.last_common_uid);
  // As a Dovecot master: its own value is the slave's announced
  // HIGHESTMODSEQ, the slave's is the master's announced one, the state
  // keeps the lower. Each side's counter is at least its own announced
  // value, so the state is below both without raising either (a Dovecot
  // slave raises its own to the master's anyway).
  st.last_common_modseq = std::min(slave_announced.highest_modseq, slave_state.last_common_modseq);
  st.last_common_pvt_modseq =
      std::min(slave_announced.highest_pvt_modseq, slave_state.last_common_pvt_modseq);
  st.last_messages_count = master_after.messages_count;
  return st;
}

}  // namespace roost::dsync
