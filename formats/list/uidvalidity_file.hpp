#pragma once
#include <cstdint>
#include <string>

namespace roost {

// Allocates the UIDVALIDITY of a new mailbox through `<root>/dovecot-uidvalidity`
// (8 lowercase hex digits, plus an empty marker `dovecot-uidvalidity.<hex>`),
// the mechanism Dovecot shares between all mailboxes of a user: the value is
// max(last + 1, now), so it never repeats for the user.
uint32_t allocate_uidvalidity(const std::string& root);

}  // namespace roost
