#pragma once
// The in-memory content of a Roost index and the pure (no I/O) encoding of
// its two files: the snapshot (`roost.index`) and the transaction records of
// the log (`roost.index.log`). MailIndex (mail_index.hpp) adds the files,
// locking and crash safety on top.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/model/message.hpp"
#include "lib/guid.hpp"

namespace roost {

struct IndexHeader {
  uint32_t uidvalidity = 0;
  uint32_t uidnext = 1;
  uint64_t highest_modseq = 1;
  Guid128 mailbox_guid;
  uint32_t first_recent_uid = 1;
  // Expunges with modseq <= this were pruned: a caller asking for expunges
  // since an older modseq must fall back to a full sync.
  uint64_t expunges_pruned_modseq = 0;
  // Opaque driver state (Maildir: dir mtimes of the last sync).
  std::string sync_stamp;
  bool operator==(const IndexHeader&) const = default;
};

// One change inside a transaction.
struct IndexOp {
  enum Kind : uint8_t {
    kAppend = 1,       // record (new UID, or replaces a same-UID record)
    kUpdate = 2,       // record (full replacement of an existing UID)
    kUpdateFlags = 3,  // uid + flags
    kExpunge = 4,      // uid (+ the mail's header key in `keyword`, may be empty)
    kSetHeader = 5,    // header (highest_modseq is ignored; uidnext never lowered)
    kAddKeyword = 6,   // keyword
    kReset = 7,        // header: drops every record and expunge (new uidvalidity)
  };
  Kind kind;
  MessageRecord record;  // kAppend/kUpdate; uid + flags for kUpdateFlags; uid for kExpunge
  IndexHeader header;    // kSetHeader/kReset
  std::string keyword;   // kAddKeyword; kExpunge: the header key
};

struct IndexTransactionRecord {
  uint64_t modseq = 0;  // 0: no message changed (header-only)
  std::vector<IndexOp> ops;
  // Not encoded: takes a modseq even without message ops (a mailbox
  // attribute change). The log keeps it as a transaction with a modseq.
  bool count_as_change = false;
};

class IndexState {
 public:
  IndexHeader header;
  std::vector<std::string> keywords;   // defined keywords, in definition order
  std::vector<MessageRecord> records;  // sorted by UID
  std::vector<ExpungeRecord> expunges; // sorted by modseq

  const MessageRecord* find(uint32_t uid) const;
  // Applies a committed transaction (from the log or a fresh commit).
  void apply(const IndexTransactionRecord& txn);
  // True when the transaction changes any message (and so needs a modseq).
  static bool changes_messages(const IndexTransactionRecord& txn);
  // Drops the oldest expunges beyond `keep`, remembering the pruned modseq.
  void prune_expunges(size_t keep);

  // Snapshot body (without the file framing).
  std::string encode() const;
  static IndexState decode(std::string_view body, const std::string& what);

 private:
  MessageRecord* find_mut(uint32_t uid);
  void define_keywords(const MessageFlags& flags);
};

std::string encode_transaction(const IndexTransactionRecord& txn);
IndexTransactionRecord decode_transaction(std::string_view payload, const std::string& what);

}  // namespace roost
