#pragma once
#include <memory>
#include <string>
#include <vector>

#include "formats/model/storage.hpp"
#include "formats/search/search_matcher.hpp"  // mailbox_pattern_match
#include "lib/privileges.hpp"

namespace roost::cli {

// One namespace of a user: the storage behind it and how its names appear.
struct OpenNamespace {
  std::string prefix;  // "" or e.g. "INBOX." / "Shared/"
  char separator = '/';
  bool inbox = false;
  bool hidden = false;
  bool list = true;
  std::unique_ptr<MailStorage> storage;
};

// A user's mail opened for one command: every namespace, with the virtual
// names (prefix + storage name) clients and doveadm see.
class MailUser {
 public:
  // `privileges` (may be null) keeps the process acting as the user while
  // the storages are open; it is released after them.
  MailUser(std::string name, std::vector<OpenNamespace> namespaces,
           std::unique_ptr<EffectiveUser> privileges = nullptr);
  const std::string& name() const { return name_; }

  // Every mailbox of every listed namespace, virtual names, in doveadm's
  // order: namespaces in config order, mailboxes sorted, INBOX last.
  std::vector<MailboxInfo> list_mailboxes();
  // Mailboxes whose virtual name matches any of the IMAP-style patterns
  // ('*' matches anything, '%' anything but the separator; INBOX is
  // case-insensitive).
  std::vector<MailboxInfo> match_mailboxes(const std::vector<std::string>& patterns);

  struct Resolved {
    OpenNamespace* ns;
    std::string storage_name;  // the name inside ns->storage
  };
  // Finds the namespace a virtual name belongs to. Throws Error(kExitNoInput)
  // when no namespace matches.
  Resolved resolve(const std::string& vname);
  std::unique_ptr<Mailbox> open_mailbox(const std::string& vname);
  std::string virtual_name(const OpenNamespace& ns, const std::string& storage_name) const;

  std::vector<OpenNamespace>& namespaces() { return namespaces_; }
  char separator() const;

 private:
  std::string name_;
  std::unique_ptr<EffectiveUser> privileges_;  // declared first: released last
  std::vector<OpenNamespace> namespaces_;
};

}  // namespace roost::cli
