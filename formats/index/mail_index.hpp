#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "formats/index/index_state.hpp"
#include "formats/model/message.hpp"

namespace roost {

// Roost's own per-mailbox index, shared by every local driver.
//
// Two files in `dir`: `roost.index`, a CRC-protected snapshot replaced with
// temp+fsync+rename, and `roost.index.log`, the transactions committed since
// that snapshot, each framed with length + CRC32 so a torn tail (kill -9
// during an append) is detected, ignored by readers and cut by the next
// writer. The log header names the snapshot generation it continues, so a
// crash between "new snapshot" and "new empty log" is harmless: a log older
// than the snapshot is ignored.
//
// Writers serialize on `roost.index.lock` (flock, held only while
// committing). Readers never lock: they load the snapshot and replay the
// log; refresh() replays what other processes appended since (or reloads
// when the files were replaced by a compaction).
//
// With Options::lazy, opening reads only the summary (header + STATUS
// counters) that heads the snapshot and each log frame; the records are
// loaded on first use of anything else. Files written before the summary existed (version 1) are
// loaded whole and rewritten in the new version by the next writer.
//
// Opening a corrupt index throws Error(kExitDataErr) naming the file; the
// owner then rebuilds it from the mail files (remove_files() + open()).
class MailIndex {
 public:
  struct Options {
    bool fsync = true;
    // Compact (rewrite roost.index, empty roost.index.log) once the log is
    // larger than this.
    uint64_t compact_log_bytes = 1 << 20;
    // Expunge records kept at compaction; older ones are pruned and
    // expunges_known_since() reports the gap.
    size_t max_expunges = 10000;
    // What counters().recent counts (see RecentRule), and whether records()
    // carry \Recent by that rule (IndexState::mark_recent).
    RecentRule recent_rule = nullptr;
    bool mark_recent = false;
    // Open with the summary only and load the records on first use (see
    // below). A corrupt snapshot body then shows at that first use, not at
    // open(): owners that rebuild a corrupt index call load() where they
    // can.
    bool lazy = false;
  };
  class Transaction;

  // Opens (or starts empty when no files exist yet) the index in `dir`,
  // which must exist. Files are only created by the first commit.
  static std::unique_ptr<MailIndex> open(const std::string& dir, const Options& options);
  static std::unique_ptr<MailIndex> open(const std::string& dir) { return open(dir, Options{}); }
  // Deletes the index files of `dir` (before a rebuild).
  static void remove_files(const std::string& dir);

  const IndexHeader& header() const { return loaded_ ? state_.header : summary_.header; }
  // STATUS counters of the records, answered without loading them.
  IndexCounters counters() { return loaded_ ? state_.counters() : summary_.counters; }
  // Sorted by UID.
  const std::vector<MessageRecord>& records() { return full().records; }
  const MessageRecord* find(uint32_t uid) { return full().find(uid); }
  // Every keyword ever defined in the mailbox, in definition order.
  const std::vector<std::string>& keywords() { return full().keywords; }
  // Expunges with modseq > `modseq`, oldest first. Complete only when
  // expunges_known_since(modseq); otherwise the caller must compare full
  // UID lists (QRESYNC/dsync fallback).
  std::vector<ExpungeRecord> expunges_since(uint64_t modseq);
  bool expunges_known_since(uint64_t modseq) const;
  std::vector<MessageRecord> changed_since(uint64_t modseq);
  // True once the records are in memory.
  bool loaded() const { return loaded_; }
  // Loads the records now (throws Error(kExitDataErr) when corrupt).
  void load() { full(); }

  // Picks up what other processes committed. True when anything changed.
  bool refresh();
  Transaction begin();
  // Takes the next modseq without changing a message and returns it: a
  // mailbox attribute set or unset counts for HIGHESTMODSEQ, as Dovecot's
  // attribute-update log records do. Durable once it returns.
  uint64_t raise_modseq();
  // Rewrites the snapshot and empties the log (also done automatically when
  // the log grows past Options::compact_log_bytes).
  void compact();
  const std::string& dir() const { return dir_; }

 private:
  class WriteLock;
  struct FileId {
    uint64_t dev = 0;
    uint64_t ino = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool exists = false;
    bool operator==(const FileId&) const = default;
  };

  MailIndex(std::string dir, const Options& options);
  std::string snapshot_path() const;
  std::string log_path() const;
  IndexState& full() {
    if (!loaded_) load_all();
    return state_;
  }
  // Drops what is known of the files (generations, versions, identities).
  void forget_files();
  // Reads the snapshot's and the log's summary only; falls back to
  // load_all() for version-1 files or a log whose last frame is torn.
  void load_summary();
  void load_all();
  void load_all_once(bool& retry);
  bool read_log_from(size_t offset);
  void ensure_files_locked();
  void compact_locked();
  uint64_t commit_locked(IndexTransactionRecord& txn);

  std::string dir_;
  Options options_;
  bool loaded_ = false;  // state_ holds the records (else only summary_)
  IndexState state_;
  IndexSummary summary_;         // while !loaded_
  uint64_t generation_ = 0;      // of the snapshot loaded (0: none)
  uint32_t snapshot_version_ = 0;
  uint64_t log_generation_ = 0;  // of the log applied (0: none)
  uint32_t log_version_ = 0;
  size_t log_valid_end_ = 0;     // end of the last complete log frame
  FileId snapshot_id_;
  FileId log_id_;  // size: only while !loaded_ (the log read up to there)
};

// Collects changes; commit() appends them as one framed log record and
// fsyncs. Every message the transaction appends, updates or expunges gets
// modseq highest_modseq+1 (one modseq per transaction, as in Dovecot); a
// transaction that only touches the header or keywords takes no modseq.
class MailIndex::Transaction {
 public:
  explicit Transaction(MailIndex* index) : index_(index) {}
  // A new message (uidnext becomes at least record.uid+1), or a full
  // replacement when the UID exists.
  void append(const MessageRecord& record);
  // Full replacement of an existing record (ignored if the UID is gone).
  void update(const MessageRecord& record);
  void update_flags(uint32_t uid, const MessageFlags& flags);
  // `hdr_key`: the mail's header key (formats/mime/header_key.hpp), kept
  // with the expunge record; empty when unknown.
  void expunge(uint32_t uid, std::string hdr_key = {});
  // Replaces the header except highest_modseq/expunges_pruned_modseq;
  // uidnext is never lowered while uidvalidity stays the same.
  void set_header(const IndexHeader& header);
  void add_keyword(const std::string& keyword);
  // Drops every record (new UIDVALIDITY): later ops in this transaction
  // rebuild the content.
  void reset(const IndexHeader& header);
  bool empty() const { return txn_.ops.empty(); }
  // Durable once this returns; returns the modseq given (0: none).
  uint64_t commit();

 private:
  MailIndex* index_;
  IndexTransactionRecord txn_;
};

inline MailIndex::Transaction MailIndex::begin() { return Transaction(this); }

}  // namespace roost
