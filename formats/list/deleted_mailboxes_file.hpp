#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "formats/model/storage.hpp"

namespace roost {

// `roost-deleted-mailboxes`: the log of mailboxes a storage deleted, one
// "<mailbox guid hex> <unix time>\n" line each, appended (a torn last line
// is ignored), read by dsync so a delete isn't undone by a peer's copy.
inline constexpr const char* kDeletedMailboxesFile = "roost-deleted-mailboxes";

std::vector<DeletedMailbox> parse_deleted_mailboxes(std::string_view data);
std::string serialize_deleted_mailbox(const DeletedMailbox& entry);

// Appends one entry to <dir>/roost-deleted-mailboxes (fsynced) and reads the log.
void record_deleted_mailbox(const std::string& dir, const Guid128& guid);
std::vector<DeletedMailbox> read_deleted_mailboxes(const std::string& dir);

}  // namespace roost
