#pragma once
#include <memory>
#include <string>
#include <vector>

#include "formats/dbox/sdbox_mailbox.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "formats/model/storage.hpp"

namespace roost {

// Registers the "sdbox" format with the storage factory.
void register_sdbox_driver();

// A user's single-dbox store, laid out as Dovecot lays it out:
// <root>/mailboxes/<name>/dbox-Mails/u.<uid> (names in modified UTF-7 unless
// UTF8, hierarchy as directories), <root>/subscriptions,
// <root>/dovecot-uidvalidity, ALT= as the same tree under another root.
class SdboxStorage : public MailStorage {
 public:
  SdboxStorage(const MailLocation& location, const StorageSettings& settings);

  const MailLocation& location() const override { return location_; }
  char separator() const override { return separator_; }
  std::vector<MailboxInfo> list_mailboxes() override;
  bool mailbox_exists(const std::string& name) override;
  void create_mailbox(const std::string& name, const Guid128& guid = {}) override;
  void delete_mailbox(const std::string& name) override;
  void rename_mailbox(const std::string& from, const std::string& to) override;
  std::vector<std::string> subscriptions() override;
  void set_subscribed(const std::string& name, bool subscribed) override;
  std::unique_ptr<Mailbox> open_mailbox(const std::string& name) override;
  // roost-deleted-mailboxes under the root (or CONTROL=), as for maildir.
  std::vector<DeletedMailbox> deleted_mailboxes() override;
  std::vector<MailboxListChange> mailbox_list_changes() override;

  SdboxPaths paths_of(const std::string& name) const;

 private:
  // Virtual name -> "mailboxes/<a>/<b>" relative to a root.
  std::string relative_dir(const std::string& name) const;
  std::string virtual_component(const std::string& disk) const;
  void ensure_alt_link() const;
  std::string list_dir_path() const;  // where roost-deleted-mailboxes lives

  MailLocation location_;
  StorageSettings settings_;
  char separator_;
  std::shared_ptr<AttributeStore> attribute_store_;  // made on first open
};

}  // namespace roost
