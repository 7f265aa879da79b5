#pragma once
// The mailbox tree of a dbox store (sdbox and mdbox alike): the directories
// under `<root>/mailboxes/`, a mailbox where a directory holds `dbox-Mails/`,
// a \NoSelect parent where it doesn't.
#include <functional>
#include <string>
#include <vector>

#include "formats/model/storage.hpp"

namespace roost {

// Every directory under `mailboxes_dir`, depth first; names joined with
// `separator`, each component turned into its virtual form by
// `virtual_component` (modified UTF-7 decoding unless UTF8 is set).
std::vector<MailboxInfo> scan_dbox_mailbox_tree(
    const std::string& mailboxes_dir, char separator,
    const std::function<std::string(const std::string&)>& virtual_component);

// The listing MailStorage::list_mailboxes() returns: INBOX first (always
// there), the others sorted, `subscribed` set from `subscriptions`.
std::vector<MailboxInfo> dbox_mailbox_listing(std::vector<MailboxInfo> found,
                                              const std::vector<std::string>& subscriptions);

}  // namespace roost
