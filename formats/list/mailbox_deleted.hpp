#pragma once
#include <string>

#include "formats/model/location.hpp"
#include "lib/guid.hpp"

namespace roost {

// What every storage does once a mailbox's files are gone: the delete goes
// into the mailbox-list log (`roost-deleted-mailboxes`, so a peer's copy
// doesn't bring it back) and the mailbox's attributes leave the attribute
// dict, as Dovecot drops them with the mailbox. `list_dir` holds the log
// (and the dict unless settings.attribute_dict names another). A zero GUID
// (a \NoSelect parent) records nothing.
void record_mailbox_deleted(const std::string& list_dir, const Guid128& guid,
                            const StorageSettings& settings);

}  // namespace roost
