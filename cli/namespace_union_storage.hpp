#pragma once
#include <string>
#include <vector>

#include "cli/mail_user.hpp"
#include "formats/model/storage.hpp"

namespace roost::cli {

// Several namespaces of a user as one storage with their virtual names
// (prefix + name, INBOX as INBOX), for `sync`/`backup -N`: dsync then sees
// the mailboxes of every namespace the way doveadm's -N does. Names are
// resolved to the namespace with the longest matching prefix; a rename
// across namespaces is refused. All namespaces must share one separator.
class NamespaceUnionStorage : public MailStorage {
 public:
  explicit NamespaceUnionStorage(std::vector<OpenNamespace*> namespaces);

  const MailLocation& location() const override;
  char separator() const override { return sep_; }
  std::vector<MailboxInfo> list_mailboxes() override;
  bool mailbox_exists(const std::string& name) override;
  void create_mailbox(const std::string& name, const Guid128& guid = {}) override;
  void delete_mailbox(const std::string& name) override;
  void rename_mailbox(const std::string& from, const std::string& to) override;
  std::vector<std::string> subscriptions() override;
  void set_subscribed(const std::string& name, bool subscribed) override;
  std::unique_ptr<Mailbox> open_mailbox(const std::string& name) override;
  void purge() override;
  std::vector<DeletedMailbox> deleted_mailboxes() override;
  std::vector<MailboxListChange> mailbox_list_changes() override;

 private:
  struct Resolved {
    OpenNamespace* ns;
    std::string name;  // inside ns->storage
  };
  Resolved resolve(const std::string& vname) const;
  static std::string vname(const OpenNamespace& ns, const std::string& name);
  std::vector<OpenNamespace*> ns_;
  char sep_ = '/';
};

}  // namespace roost::cli
