#pragma once
#include <memory>
#include <string>
#include <vector>

#include "formats/list/attribute_file_store.hpp"
#include "formats/maildir/maildir_mailbox.hpp"
#include "formats/model/storage.hpp"

namespace roost {

// Registers the "maildir" format with the storage factory.
void register_maildir_driver();

// A user's Maildir: Maildir++ layout (INBOX = root, folders `.A.B` with a
// `maildirfolder` marker) or LAYOUT=fs (nested dirs, INBOX = root unless
// INBOX= is set). Names on disk are modified UTF-7 unless the UTF8 option
// is set.
class MaildirStorage : public MailStorage {
 public:
  MaildirStorage(const MailLocation& location, const StorageSettings& settings);

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

  // Where mailbox `name` lives (validated; never outside the root).
  MaildirPaths paths_of(const std::string& name) const;

 private:
  void delete_mailbox_files(const std::string& name);
  // Where the storage-wide lists (deleted mailboxes) live: CONTROL= or the root.
  std::string list_dir_path() const;
  bool fs_layout() const { return fs_layout_; }
  // Virtual name -> path relative to the root ("" for INBOX).
  std::string relative_dir(const std::string& name) const;
  std::string disk_component(const std::string& component) const;
  std::string virtual_component(const std::string& disk) const;
  std::string subscriptions_path() const;
  void list_fs(const std::string& dir, const std::string& prefix,
               std::vector<MailboxInfo>& out) const;

  MailLocation location_;
  StorageSettings settings_;
  char separator_;
  bool fs_layout_;
  std::shared_ptr<AttributeStore> attribute_store_;  // made on first open
};

}  // namespace roost
