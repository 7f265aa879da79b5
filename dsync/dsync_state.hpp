#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "dsync/dsync_item.hpp"

namespace roost::dsync {

// The -s state string (dsync-protocol.md §8): base64 of a 4-byte header,
// 44 bytes per mailbox and a CRC-32, byte-compatible with Dovecot's.
using StateMap = std::map<Guid128, MailboxState>;

std::string export_state(const StateMap& states);
// nullopt with `error` set when the string isn't a valid state (the caller
// falls back to a full sync, as doveadm does). "" is a valid empty state.
std::optional<StateMap> import_state(std::string_view text, std::string& error);

}  // namespace roost::dsync
