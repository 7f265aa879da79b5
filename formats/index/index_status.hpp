#pragma once
#include <vector>

#include "formats/index/index_state.hpp"
#include "formats/model/message.hpp"
#include "formats/model/storage.hpp"

namespace roost {

// STATUS of a mailbox whose state lives in a MailIndex: counters from the
// messages as the driver presents them (\Recent already applied), the rest
// from the index header. Every index-backed driver answers status() with it.
MailboxStatus status_from_index(const IndexHeader& header,
                                const std::vector<MessageRecord>& messages);
// The same from the index's counters, without the records (the counters'
// recent follows the index's RecentRule, which must match what the
// driver's messages() presents).
MailboxStatus status_from_index(const IndexHeader& header, const IndexCounters& counters);

}  // namespace roost
