#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "lib/guid.hpp"

namespace roost::dsync {

// A mail's GUID or header hash as 16 bytes, so a planner holding 100,000
// of them holds no strings. A value of 32 hex digits (dbox GUIDs, header
// hashes) is its bytes; anything else (Maildir file names) is the last 16
// bytes of its SHA-1, Dovecot's rule for turning a GUID into 128 bits: a
// Dovecot peer's expunges name Maildir mails that way, so they compare
// equal. "" is the empty key.
using MailKey = Guid128;

MailKey mail_key(std::string_view guid_or_hash);

struct MailKeyHash {
  size_t operator()(const MailKey& k) const {
    uint64_t v;
    std::memcpy(&v, k.bytes.data(), sizeof v);
    return static_cast<size_t>(v);
  }
};

}  // namespace roost::dsync
