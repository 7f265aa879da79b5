#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/index/header_cache.hpp"
#include "formats/index/mail_index.hpp"
#include "formats/model/storage.hpp"

namespace roost {

class MdboxStorage;

// A mailbox record's locator: the map UID, and " A" when the message is
// marked for the ALT storage (Dovecot's index flag 0x40).
struct MdboxLocator {
  uint32_t map_uid = 0;
  bool alt = false;
};
std::optional<MdboxLocator> parse_mdbox_locator(const std::string& locator);
std::string format_mdbox_locator(const MdboxLocator& loc);

// One mdbox mailbox: its Roost index in `mailboxes/<name>/dbox-Mails/` is
// the authority for its messages (as Dovecot's dovecot.index is for
// Dovecot): UIDs, flags, keywords, modseqs, save dates, each record naming
// the map UID of the stored message.
class MdboxMailbox : public Mailbox {
 public:
  MdboxMailbox(MdboxStorage& storage, std::string name, std::string dir);
  ~MdboxMailbox() override;

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
  // GUID / UIDVALIDITY / UIDNEXT go into Roost's index, and into Dovecot's
  // dovecot.index when the storage closes.
  bool update(const MailboxUpdate& change) override;
  bool can_update() const override { return true; }
  // The GUID is kept in the map's m.* file metadata and the index record.
  bool can_save_guid() const override { return true; }

  MdboxStorage& storage() { return storage_; }
  MailIndex& index() { return *index_; }

 protected:
  // An attribute changed: the index takes the next modseq.
  void raise_highest_modseq() override { index_->raise_modseq(); }

 private:
  MdboxStorage& storage_;
  std::string name_;
  std::string dir_;
  std::unique_ptr<MailIndex> index_;
  std::unique_ptr<HeaderCache> header_cache_;
};

}  // namespace roost
