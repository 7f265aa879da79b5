#pragma once
#include <cstdint>
#include <string>

#include "formats/model/flags.hpp"

namespace roost {

// Everything the index knows about one message, format-neutral.
struct MessageRecord {
  uint32_t uid = 0;
  // Message GUID as Dovecot reports it: for Maildir the base file name
  // (unless dsync gave another), for dbox 32 hex digits.
  std::string guid;
  uint64_t modseq = 0;
  MessageFlags flags;
  int64_t received_date = 0;  // IMAP INTERNALDATE, unix seconds
  int64_t save_date = 0;      // when it was saved into this mailbox, unix seconds
  uint64_t physical_size = 0; // bytes as stored (uncompressed)
  uint64_t virtual_size = 0;  // bytes with every line ending counted as CRLF
  std::string pop3_uidl;      // empty: the server's default UIDL format applies
  uint32_t pop3_order = 0;    // 0: no explicit order
  // Driver-private locator (Maildir: base file name; dbox: file id/offset...).
  std::string locator;
};

// An expunge remembered by the index with the modseq it happened at, so
// QRESYNC and dsync can ask "what vanished since modseq N".
struct ExpungeRecord {
  uint32_t uid = 0;
  std::string guid;
  uint64_t modseq = 0;
  // The mail's header key (formats/mime/header_key.hpp) when the driver
  // could read it as it expunged the mail, else empty: dsync tells an
  // expunge from another mail at the same UID by it where GUIDs can't
  // travel (mbox).
  std::string hdr_key;
};

}  // namespace roost
