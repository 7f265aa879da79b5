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

#include "formats/index/index_codec.hpp"
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

// What STATUS needs beyond the header, kept current by every transaction so
// a reader can answer it without the records (MailIndex's summary mode).
struct IndexCounters {
  uint32_t messages = 0;
  uint32_t recent = 0;  // by the index's RecentRule
  uint32_t unseen = 0;
  uint32_t first_unseen_seq = 0;  // 0: every message is \Seen
  uint64_t vsize = 0;             // sum of virtual sizes
  bool operator==(const IndexCounters&) const = default;
};

// Whether a record counts as \Recent, given the header's first recent UID.
// Drivers present \Recent differently (Maildir: in new/ from the first
// recent UID on; mbox: no O status...): each passes its own rule, and the
// same rule must be used by every writer of one index. nullptr: only the
// stored \Recent flag counts.
using RecentRule = bool (*)(const MessageRecord& record, uint32_t first_recent_uid);

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
  RecentRule recent_rule = nullptr;
  // With a rule: \Recent in the records' flags is the rule's answer
  // (set/cleared as records change), so records() present it as the driver
  // does; stored \Recent bits are ignored. Without: counters().recent is
  // the stored bit or the rule, and records keep what was stored.
  bool mark_recent = false;

  const MessageRecord* find(uint32_t uid) const;
  // The counters of `records` (kept current by apply(); first_unseen_seq
  // found on demand).
  IndexCounters counters();
  // Counts the counters from scratch (after decode() or a rule change).
  void recount();
  // Applies a committed transaction (from the log or a fresh commit).
  void apply(const IndexTransactionRecord& txn);
  // True when the transaction changes any message (and so needs a modseq).
  static bool changes_messages(const IndexTransactionRecord& txn);
  // Drops the oldest expunges beyond `keep`, remembering the pruned modseq.
  void prune_expunges(size_t keep);

  // Snapshot body (without the file framing).
  std::string encode() const;
  void encode_to(index_codec::Writer& w) const;  // appends the same to `w`
  static IndexState decode(std::string_view body, const std::string& what,
                           RecentRule rule = nullptr, bool mark_recent = false);

 private:
  MessageRecord* find_mut(uint32_t uid);
  void define_keywords(const MessageFlags& flags);
  bool is_recent(const MessageRecord& m) const;
  // Sets \Recent of `m` by the rule (mark_recent only).
  void present(MessageRecord& m) const;
  // Adds (+1) or removes (-1) one record's share of the counters.
  void count(const MessageRecord& m, int sign);

  IndexCounters counters_;  // first_unseen_seq not kept here
  // Every record with a smaller UID is \Seen.
  uint32_t seen_below_uid_ = 0;
};

// The header and counters as one block: the head of a snapshot and of each
// log frame, which a reader decodes without the records.
struct IndexSummary {
  IndexHeader header;
  IndexCounters counters;
  bool operator==(const IndexSummary&) const = default;
};
std::string encode_summary(const IndexSummary& summary);
IndexSummary decode_summary(std::string_view data, const std::string& what);

std::string encode_transaction(const IndexTransactionRecord& txn);
// The same, appended to `w` (a log frame built in place).
void encode_transaction_to(index_codec::Writer& w, const IndexTransactionRecord& txn);
IndexTransactionRecord decode_transaction(std::string_view payload, const std::string& what);

}  // namespace roost
