#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/index/mail_index.hpp"
#include "formats/mbox/mbox_parser.hpp"
#include "formats/model/storage.hpp"
#include "lib/compress/compression.hpp"

namespace roost {

// Where one mbox mailbox keeps its pieces.
struct MboxPaths {
  std::string file;         // the mbox file
  std::string index_dir;    // Roost's index files (Dovecot's .imap/<name>/)
  std::string control_dir;  // dovecot-uidvalidity lives here (<root>/.imap)
};

// A message to be written by a rewrite.
struct MboxPendingSave {
  std::string header;  // without metadata headers, ending with the empty line
  std::string body;
  MessageFlags flags;
  int64_t received_date = 0;
  int64_t save_date = 0;
  uint32_t want_uid = 0;
};

// The changes one commit applies.
struct MboxChanges {
  std::vector<MboxPendingSave> saves;
  std::vector<std::pair<uint32_t, std::pair<FlagOp, MessageFlags>>> flag_ops;
  std::vector<uint32_t> expunges;
};

// One mbox file. The metadata headers in the file (X-IMAPbase, X-UID,
// Status, X-Status, X-Keywords) are the authority for UIDs and flags, so a
// real Dovecot sees what Roost does; Roost's index keeps modseqs, save dates
// and expunge history and remembers (inode, size, mtime) of the file it last
// scanned, so an unchanged file isn't parsed again.
//
// A commit that only saves appends to the end of the file (same inode),
// updating X-IMAPbase's uid-last in place; every other write rewrites the
// whole file into a temp file beside it, fsyncs and renames it over the
// original. Both hold the dotlock and the fcntl write lock. A kill at any
// instant leaves the old or the new file; a torn append is truncated back
// to the last complete message on the next open (see README.md).
class MboxMailbox : public Mailbox {
 public:
  MboxMailbox(std::string name, MboxPaths paths, bool fsync);
  ~MboxMailbox() override;

  const std::string& name() const override { return name_; }
  MailboxStatus status() override;
  void sync() override;
  const std::vector<MessageRecord>& messages() override;
  std::vector<MessageRecord> changed_since(uint64_t modseq) override;
  std::vector<ExpungeRecord> expunged_since(uint64_t modseq) override;
  std::unique_ptr<std::istream> open_message(uint32_t uid) override;
  std::unique_ptr<MailTransaction> begin() override;
  std::vector<std::string> keywords() override;
  void force_resync() override;
  // GUID and UIDNEXT only: a new UIDVALIDITY would need the X-IMAPbase
  // header rewritten (returns false).
  bool update(const MailboxUpdate& change) override;

  // Applies `changes` to the file: appends when they are only saves the
  // file can take at its end, else rewrites it (also used with no changes
  // to give UIDs to messages that have none). Returns the UIDs given to
  // saves.
  std::vector<uint32_t> rewrite(const MboxChanges& changes);

 protected:
  // An attribute changed: the index takes the next modseq (what another
  // writer committed meanwhile comes along, so the record copy is re-read).
  void raise_highest_modseq() override {
    uint64_t before = index_->header().highest_modseq;
    if (index_->raise_modseq() != before + 1) messages_valid_ = false;
  }

 private:
  std::string file_stamp(bool& stable) const;
  // Parses the file under a read lock; rewrites first when messages lack UIDs.
  void scan_file();
  // `expunge_keys`: the header keys of the mails this process expunged
  // (recorded with their expunges).
  void reconcile(const MboxScan& scan, const std::string& stamp,
                 const std::map<uint32_t, int64_t>& save_dates,
                 const std::map<uint32_t, std::string>& expunge_keys = {});
  uint32_t ensure_uidvalidity();
  Guid128 initial_mailbox_guid() const;
  std::string append_marker_path() const;
  // `roost-expunge-keys`: the header keys of the mails a rewrite drops,
  // written before its rename, so an index that catches up after a kill
  // between the rename and the index update still records them.
  std::string expunge_keys_path() const;
  // Drops the partial tail of an append that was killed (write locks held).
  void recover_append(int fd);
  // A compressed mbox file (name ending in .gz, as Dovecot's zlib plugin
  // reads them): the path of its decompressed copy in the index dir, made
  // again when the file's stamp changed. Read-only, like Dovecot.
  std::string uncompressed_copy(const std::string& stamp);
  // Read-only files can't get X-UIDs written: messages without one get UIDs
  // in Roost's index only (kept across rescans by GUID).
  void assign_index_uids(MboxScan& scan) const;

  std::string name_;
  MboxPaths paths_;
  bool fsync_;
  Compression compression_ = Compression::kNone;  // from the file name
  std::unique_ptr<MailIndex> index_;
  std::vector<MessageRecord> messages_;
  bool messages_valid_ = false;
  // Offsets of the last scan, valid while the file keeps `scan_stamp_`.
  MboxScan scan_;
  std::string scan_stamp_;
};

}  // namespace roost
