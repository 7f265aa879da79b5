#pragma once
#include <string>
#include <string_view>

namespace roost {

// The header-hash normalisation of the dsync protocol (dsync-protocol.md
// §3.5, version 3): bytes < 0x20 but \n, >= 0x7f and '?' collapse to one
// '?', spaces are dropped, then MD5 in hex.
std::string header_hash_v3(std::string_view header_subset);

// What identifies a mail across stores that can't keep its GUID: the
// version 3 header hash of its Date, Message-ID, From and Subject fields,
// from the header block at the start of `header` (the body, if any, is
// ignored). Drivers record it with an expunge; dsync pairs mails by it.
std::string mail_header_key(std::string_view header);

}  // namespace roost
