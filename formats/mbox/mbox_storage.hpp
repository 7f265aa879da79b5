#pragma once
#include <memory>
#include <string>
#include <vector>

#include "formats/list/attribute_file_store.hpp"
#include "formats/mbox/mbox_mailbox.hpp"
#include "formats/model/storage.hpp"

namespace roost {

// Registers the "mbox" format with the storage factory.
void register_mbox_driver();

// A user's mbox tree as Dovecot lays it out: `mail_location =
// mbox:<root>:INBOX=<file>`; every mailbox is a file under <root>, the
// hierarchy is directories (separator '/'), a directory is a \NoSelect
// parent. Dovecot's index dir `.imap/<name>/` beside each file holds
// Roost's index too; `.subscriptions` sits in the root.
class MboxStorage : public MailStorage {
 public:
  MboxStorage(const MailLocation& location, const StorageSettings& settings);

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
  std::vector<DeletedMailbox> deleted_mailboxes() override;
  std::vector<MailboxListChange> mailbox_list_changes() override;

  MboxPaths paths_of(const std::string& name) const;

 private:
  void delete_mailbox_files(const std::string& name);
  // Where the storage-wide lists (deleted mailboxes) live: CONTROL= or the root.
  std::string list_dir_path() const;  // created on first use
  std::string list_dir_name() const;  // the same, not created (attributes: on first set)
  std::string relative_path(const std::string& name) const;  // on disk, '/'-joined
  std::string inbox_path() const;
  void list_dir_into(const std::string& dir, const std::string& prefix,
                     std::vector<MailboxInfo>& out) const;

  MailLocation location_;
  StorageSettings settings_;
  char separator_;
  std::shared_ptr<AttributeStore> attribute_store_;  // made on first open
};

}  // namespace roost
