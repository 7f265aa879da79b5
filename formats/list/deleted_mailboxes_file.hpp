#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "formats/model/storage.hpp"

namespace roost {

// `roost-deleted-mailboxes`: the log of mailbox-list changes a storage
// made, appended (a torn last line is ignored), read by dsync so a delete
// isn't undone by a peer's copy and the newer rename/subscription wins.
// A delete is "<mailbox guid hex> <unix time>\n" (the original layout);
// the typed records are "R <mailbox guid hex> <unix time>\n" (renamed),
// "S <unix time> <name>\n" (subscribed), "U <unix time> <name>\n"
// (unsubscribed). Each reader skips the lines it doesn't know, so old
// files read unchanged and old readers skip the typed records.
inline constexpr const char* kDeletedMailboxesFile = "roost-deleted-mailboxes";

std::vector<DeletedMailbox> parse_deleted_mailboxes(std::string_view data);
std::string serialize_deleted_mailbox(const DeletedMailbox& entry);

// Appends one entry to <dir>/roost-deleted-mailboxes (fsynced) and reads the log.
void record_deleted_mailbox(const std::string& dir, const Guid128& guid);
std::vector<DeletedMailbox> read_deleted_mailboxes(const std::string& dir);

std::vector<MailboxListChange> parse_mailbox_list_changes(std::string_view data);
std::string serialize_mailbox_list_change(const MailboxListChange& entry);
// Append one typed record (time: now), fsynced, and read them back.
void record_mailbox_renamed(const std::string& dir, const Guid128& guid);
// The same for the mailbox now called `new_name` in `storage` (a name that
// is only a parent of others has no GUID and isn't recorded).
void record_mailbox_renamed(MailStorage& storage, const std::string& dir,
                            const std::string& new_name);
void record_subscription_change(const std::string& dir, const std::string& name, bool subscribed);
std::vector<MailboxListChange> read_mailbox_list_changes(const std::string& dir);

}  // namespace roost
