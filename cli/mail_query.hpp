#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/mail_user.hpp"

namespace roost {
class SearchMatcher;
}

namespace roost::cli {

// One message a query matched, with the mailbox it is in.
struct MatchedMail {
  const std::string& mailbox;       // virtual name
  const std::string& mailbox_guid;  // 32 hex digits
  Mailbox& box;
  const MessageRecord& record;
  uint32_t seq;
  // Opens the raw message (streamed).
  std::unique_ptr<std::istream> open() const { return box.open_message(record.uid); }
};

// A parsed doveadm search query run over a user's mailboxes. Mailboxes the
// query can't match (MAILBOX / MAILBOX-GUID keys) are never opened; keys
// the index answers never open a message file.
class MailQuery {
 public:
  // Throws Error(kExitUsage) naming the bad word.
  explicit MailQuery(const std::vector<std::string>& words);
  ~MailQuery();
  MailQuery(MailQuery&&) noexcept;

  // True when every OR-branch of the query names a mailbox (doveadm's
  // safety rule for expunge).
  bool names_mailbox_everywhere() const;

  // Calls `fn` for each match, mailbox by mailbox in listing order, UIDs
  // ascending. `fn` may change the mailbox (flags, expunge) through its
  // own transaction.
  void for_each(MailUser& user, const std::function<void(const MatchedMail&)>& fn) const;
  // The matches grouped per mailbox, for verbs that batch a transaction.
  using MailboxMatches =
      std::function<void(const std::string& mailbox, const std::string& mailbox_guid,
                         Mailbox& box, const std::vector<const MessageRecord*>& matches)>;
  void for_each_mailbox(MailUser& user, const MailboxMatches& fn) const;

 private:
  std::unique_ptr<SearchMatcher> matcher_;
};

}  // namespace roost::cli
