#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/dbox/dbox_dir_lock.hpp"
#include "formats/dbox/dovecot_log_lock.hpp"
#include "formats/index/header_cache.hpp"
#include "formats/index/mail_index.hpp"
#include "formats/model/storage.hpp"

namespace roost {

struct DovecotMailboxIndex;
class DovecotLogTransaction;

// Where one sdbox mailbox keeps its pieces.
struct SdboxPaths {
  std::string mail_dir;   // <root>/mailboxes/<name>/dbox-Mails: u.N files
  std::string alt_dir;    // the same under ALT= ("" without ALT)
  std::string index_dir;  // roost.index* and Dovecot's dovecot.index*; "" = in memory
  std::string root;       // the user's mail root (dovecot-uidvalidity)
};

// One sdbox mailbox: a file u.<uid> per message in dbox-Mails/ (or in the
// same dir under ALT). The files are the authority for which messages exist,
// their UIDs (file names) and GUIDs/dates/sizes (metadata); Roost's index
// keeps flags, keywords, modseqs, UIDVALIDITY, the mailbox GUID and expunge
// history. A Dovecot index found beside it is imported when it changed
// since Roost last looked (sdbox_dovecot_import.hpp).
class SdboxMailbox : public Mailbox {
 public:
  SdboxMailbox(std::string name, SdboxPaths paths, bool fsync,
               SaveCompression save_compression = {});
  ~SdboxMailbox() override;

  const std::string& name() const override { return name_; }
  MailboxStatus status() override;
  void sync() override;
  const std::vector<MessageRecord>& messages() override;
  std::vector<MessageRecord> changed_since(uint64_t modseq) override;
  std::vector<ExpungeRecord> expunged_since(uint64_t modseq) override;
  std::unique_ptr<std::istream> open_message(uint32_t uid) override;
  std::string read_header(uint32_t uid) override;
  std::unique_ptr<MailTransaction> begin() override;
  std::vector<std::string> keywords() override;
  void force_resync() override;
  // GUID / UIDVALIDITY / UIDNEXT go into Roost's index and Dovecot's log.
  bool update(const MailboxUpdate& change) override;
  bool can_update() const override { return true; }
  // The GUID is kept in the u.N file's metadata.
  bool can_save_guid() const override { return true; }

  // Tells Dovecot about Roost's changes through its dovecot.index.log:
  // creates the log (with every message) when Dovecot has no index here,
  // else appends `delta` under Dovecot's lock on the log (`held` when the
  // caller holds it already). Failures only warn (Dovecot then needs a
  // force-resync to see the change).
  void export_to_dovecot(const DovecotLogTransaction& delta, DovecotLogLock* held = nullptr);
  // Dovecot's lock on this mailbox's dovecot.index.log (not held when there
  // is no such log).
  DovecotLogLock lock_dovecot_log() const;

  // Creates the index of a new mailbox (UIDVALIDITY, GUID).
  static void create_index(const SdboxPaths& paths, const Guid128& guid, bool fsync);

 protected:
  // An attribute changed: the index takes the next modseq (what another
  // writer committed meanwhile comes along, so the record copy is re-read).
  void raise_highest_modseq() override {
    uint64_t before = index_->header().highest_modseq;
    if (index_->raise_modseq() != before + 1) invalidate();
  }

 private:
  friend class SdboxTransaction;

  std::string index_dir() const;
  void open_index();
  // Takes the mailbox's write lock (Roost writers only; see README).
  DboxDirLock lock() const;
  // Brings the index in line with the u.N files (and an updated Dovecot
  // index); caller holds lock(). `rebuild`: ignore the Roost index's records
  // (force-resync), keeping only their flags.
  void sync_locked(bool rebuild);
  // Where Dovecot's own index of this mailbox would be.
  std::string dovecot_dir() const;
  // stat() identities of Dovecot's index files / of the mail dirs.
  std::string dovecot_identity(bool& stable) const;
  std::string dirs_identity(bool& stable) const;
  std::string file_path(uint32_t uid, const std::string& locator) const;
  MessageRecord record_from_file(uint32_t uid, const std::string& path, char where) const;
  void write_dovecot_log(const DovecotLogTransaction& delta, DovecotLogLock* held);
  void invalidate() { messages_valid_ = false; }
  void ensure_synced();

  std::string name_;
  SdboxPaths paths_;
  bool fsync_;
  SaveCompression save_compression_;  // zlib_save: how new bodies are written
  std::string memory_index_dir_;
  std::unique_ptr<HeaderCache> header_cache_;
  bool synced_ = false;
  std::unique_ptr<MailIndex> index_;
  std::vector<MessageRecord> messages_;
  bool messages_valid_ = false;
};

}  // namespace roost
