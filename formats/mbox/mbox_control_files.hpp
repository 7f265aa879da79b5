#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roost::mbox {

// Copies of two small control-file helpers the Maildir driver also has
// (drivers don't reach into each other; the lead may move one shared copy
// to formats/ later).

// `.subscriptions`, version 2 written, versions 1 and 2 read.
std::vector<std::string> parse_subscriptions(std::string_view data, char separator);
std::string serialize_subscriptions(const std::vector<std::string>& names, char separator);

// `<dir>/dovecot-uidvalidity` (8 hex digits + empty marker file), shared by
// all mailboxes of the user: max(last + 1, now).
uint32_t allocate_uidvalidity(const std::string& dir);

}  // namespace roost::mbox
