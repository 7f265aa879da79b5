#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// One entry of a parsed address list, in IMAP ENVELOPE terms. A group is a
// start entry (mailbox = group name, no domain) followed by its members and
// an end entry with every field absent.
struct MailAddress {
  std::optional<std::string> name;     // display name (raw, encoded-words kept)
  std::optional<std::string> route;    // obsolete source route "@a,@b"
  std::optional<std::string> mailbox;  // local part, or group name
  std::optional<std::string> domain;
  bool group_start() const { return mailbox && !domain && !route; }
  bool group_end() const { return !name && !route && !mailbox && !domain; }
};

// Parses an RFC 5322 address-list (From/To/Cc/...), including groups,
// quoted display names, comments (a trailing comment is the name when there
// is no display name), obsolete routes, and broken input. Missing parts are
// filled in as Dovecot does: "MISSING_MAILBOX", "MISSING_DOMAIN",
// "SYNTAX_ERROR" (unterminated <...>).
std::vector<MailAddress> parse_address_list(std::string_view value);

// Writes the list as "Name <mailbox@domain>, group: a@b;" text, the
// normalized form FROM/TO/CC/BCC searches match against.
std::string format_address_list(const std::vector<MailAddress>& list);

}  // namespace roost
