#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/model/flags.hpp"

namespace roost {

// Renders the mbox metadata headers the way Dovecot 2.3 writes them, so a
// real Dovecot reading a file Roost wrote finds its own layout:
// [X-IMAPbase] X-UID, Status, X-Keywords (padded for in-place updates),
// Content-Length, then X-Status only when a flag needs it.
struct MboxMetadata {
  bool first = false;  // first message: carries X-IMAPbase
  uint32_t uidvalidity = 0;
  uint32_t uid_last = 0;
  std::vector<std::string> keywords;  // mailbox keyword list (first message)
  uint32_t uid = 0;
  MessageFlags flags;
  bool old = false;  // Status: O
  uint64_t content_length = 0;
};
std::string render_mbox_metadata(const MboxMetadata& meta);

// The UW-IMAP style pseudo message Dovecot writes to keep UIDVALIDITY and
// the last UID in an mbox that has no messages left.
std::string render_mbox_pseudo(uint32_t uidvalidity, uint32_t uid_last,
                               const std::vector<std::string>& keywords, int64_t now);

// Prepares a message being saved: drops "From " header lines and metadata
// headers the sender put in (they would be taken for Roost's own), and
// splits it into header (ending with its empty line, added if missing) and
// body.
void split_message_for_save(std::string_view raw, std::string& header, std::string& body);

}  // namespace roost
