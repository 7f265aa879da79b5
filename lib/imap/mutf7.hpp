#pragma once
#include <string>
#include <string_view>

namespace roost {

// IMAP modified UTF-7 (RFC 3501 §5.1.3), used for mailbox names on the wire
// and on disk. Temporary copy in branch h1 until the shared one is merged.
std::string mutf7_encode(std::string_view utf8);
// Throws roost::Error(kExitDataErr) on invalid modified UTF-7.
std::string mutf7_decode(std::string_view mutf7);

}  // namespace roost
