#pragma once
// Roost's changes to an sdbox mailbox as transactions of Dovecot 2.3's
// `dovecot.index.log` (layout: spec mail-index-format.md §3), so Dovecot
// sees Roost's messages, flags, keywords, expunges, UIDVALIDITY and mailbox
// GUID without a force-resync. Pure: bytes out; the file handling is
// SdboxMailbox::export_to_dovecot.
#include <cstdint>
#include <string>
#include <vector>

#include "lib/guid.hpp"

namespace roost {

// The 40-byte log file header of a new log (version 1.3, file_seq 2 as
// Dovecot gives a new mailbox's first log, initial_modseq 1).
std::string dovecot_log_file_header(uint32_t indexid, uint32_t create_stamp);

// Collects one transaction; finish() returns its bytes (a BOUNDARY record
// and the records in an order Dovecot's sync accepts: header, extension
// header, appends, flag and keyword updates, expunges, next UID).
class DovecotLogTransaction {
 public:
  void set_uid_validity(uint32_t uid_validity) { uid_validity_ = uid_validity; }
  void set_next_uid(uint32_t next_uid) { next_uid_ = next_uid; }
  // The `dbox-hdr` extension header (sdbox_index_header) with the GUID.
  void set_sdbox_mailbox_guid(const Guid128& guid) { guid_ = guid; }
  // UIDs ascending, above every UID the log has appended so far.
  void append(uint32_t uid, uint8_t flags);
  void update_flags(uint32_t uid, uint8_t add, uint8_t remove);
  void update_keyword(const std::string& keyword, bool add, uint32_t uid);
  void expunge(uint32_t uid);
  bool empty() const;
  std::string finish() const;

 private:
  uint32_t uid_validity_ = 0;
  uint32_t next_uid_ = 0;
  Guid128 guid_;
  std::string appends_, flag_updates_, expunges_;
  struct KeywordChange {
    std::string name;
    bool add;
    std::vector<uint32_t> uids;
  };
  std::vector<KeywordChange> keywords_;
};

}  // namespace roost
