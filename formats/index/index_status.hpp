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

}  // namespace roost
