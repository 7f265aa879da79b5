#include "formats/index/index_status.hpp"

namespace roost {

MailboxStatus status_from_index(const IndexHeader& header,
                                const std::vector<MessageRecord>& messages) {
  MailboxStatus st;
  st.uidvalidity = header.uidvalidity;
  st.uidnext = header.uidnext;
  st.highest_modseq = header.highest_modseq;
  st.guid = header.mailbox_guid;
  st.messages = static_cast<uint32_t>(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (m.flags.system & kFlagRecent) ++st.recent;
    if (!(m.flags.system & kFlagSeen)) {
      ++st.unseen;
      if (st.first_unseen_seq == 0) st.first_unseen_seq = static_cast<uint32_t>(i + 1);
    }
    st.vsize += m.virtual_size;
  }
  return st;
}

MailboxStatus status_from_index(const IndexHeader& header, const IndexCounters& counters) {
  MailboxStatus st;
  st.uidvalidity = header.uidvalidity;
  st.uidnext = header.uidnext;
  st.highest_modseq = header.highest_modseq;
  st.guid = header.mailbox_guid;
  st.messages = counters.messages;
  st.recent = counters.recent;
  st.unseen = counters.unseen;
  st.first_unseen_seq = counters.first_unseen_seq;
  st.vsize = counters.vsize;
  return st;
}

}  // namespace roost
