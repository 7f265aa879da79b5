#pragma once
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "formats/index/header_cache.hpp"
#include "formats/index/mail_index.hpp"
#include "formats/maildir/maildir_keywords.hpp"
#include "formats/maildir/maildir_uidlist.hpp"
#include "formats/model/storage.hpp"
#include "lib/dotlock.hpp"

namespace roost {

// Where one Maildir mailbox keeps its pieces.
struct MaildirPaths {
  std::string mail_dir;     // has cur/ new/ tmp/
  std::string control_dir;  // dovecot-uidlist, dovecot-keywords
  std::string index_dir;    // roost.index*; "" = in memory (INDEX=MEMORY)
  std::string root;         // the user's mail root (dovecot-uidvalidity, maildirsize)
};

// One Maildir folder. dovecot-uidlist and the file names stay the authority
// (UIDs, GUIDs, flags), so a real Dovecot sees everything Roost does; the
// Roost index caches records and keeps modseqs, the save date and expunge
// history. Opening checks four mtimes (new/, cur/, dovecot-uidlist,
// dovecot-keywords) against the index's sync stamp and rescans only when one
// changed.
class MaildirMailbox : public Mailbox {
 public:
  MaildirMailbox(std::string name, MaildirPaths paths, bool fsync,
                 SaveCompression save_compression = {});
  ~MaildirMailbox() override;

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
  bool update(const MailboxUpdate& change) override;
  bool can_save_guid() const override { return true; }
  bool can_update() const override { return true; }

  // Creates the mailbox's dovecot-uidlist (new mailbox).
  static void create_uidlist(const MaildirPaths& paths, const Guid128& guid, bool fsync);

 protected:
  // An attribute changed: the index takes the next modseq (what another
  // writer committed meanwhile comes along, so the record copy is re-read).
  void raise_highest_modseq() override {
    uint64_t before = index_->header().highest_modseq;
    if (index_->raise_modseq() != before + 1) invalidate();
  }

 private:
  friend class MaildirTransaction;

  // The held dovecot-uidlist lock and what the file says.
  struct Session {
    DotLock lock;
    UidList list;
    bool file_exists = false;
    bool rewrite = false;        // rewrite the whole file at the end
    std::string append;          // records to append at the end
    MaildirKeywords keywords;
    bool keywords_changed = false;
    // base name -> "new/<file>" or "cur/<file>" as found by the scan.
    std::unordered_map<std::string, std::string> files;
    // Set when this session rebuilt the index: where \Recent starts.
    uint32_t first_recent_uid = 0;
  };

  void open_index();
  std::string uidlist_path() const;
  std::string keywords_path() const;
  std::string sync_stamp(bool& stable) const;
  void begin_session(Session& s);
  void scan(Session& s);
  // Removes what crashed writers leave behind: tmp/ files older than 36 h
  // (as Dovecot does) and Roost's own temp/lock-temp files older than 1 h.
  void sweep_leftovers();
  // Brings uidlist and index in line with the files; changes go into `itx`.
  void sync_locked(Session& s, MailIndex::Transaction& itx);
  void finish_session(Session& s, MailIndex::Transaction& itx);
  void full_sync();
  void write_keywords(Session& s);
  MessageRecord record_from_file(const Session& s, const UidListRecord& u,
                                 const std::string& locator, const MessageRecord* old) const;
  MessageFlags flags_from_name(const Session& s, const std::string& file_name,
                               const MessageRecord* old) const;
  std::optional<std::string> locate(const std::string& base) const;
  void invalidate() { messages_valid_ = false; }
  void ensure_synced();

  std::string name_;
  MaildirPaths paths_;
  bool fsync_;
  SaveCompression save_compression_;  // zlib_save: how new mail files are written
  std::string memory_index_dir_;  // private temp dir for INDEX=MEMORY
  std::unique_ptr<HeaderCache> header_cache_;  // created on first read_header
  bool synced_ = false;                        // sync() ran since open
  std::unique_ptr<MailIndex> index_;
  std::vector<MessageRecord> messages_;
  bool messages_valid_ = false;
  // update() is changing UIDVALIDITY on purpose: no warning about it.
  bool uidvalidity_change_expected_ = false;
};

}  // namespace roost
