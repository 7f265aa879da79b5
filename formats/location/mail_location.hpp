#pragma once
// mail_location parsing: "<format>:<path>[:KEY=value...]" (C01-C12).
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "formats/location/var_expander.hpp"
#include "formats/model/location.hpp"

namespace roost {

// Expands %-variables with `vars` (its "home" is used for "~"), then splits
// `spec`: the format, the root path and KEY=value options. "::" stands for a
// literal ':'. "~" / "~/" at the start of root, INDEX, INDEXPVT, CONTROL, ALT,
// INBOX and VOLATILEDIR become the home directory (an error when there is
// none). Known keys fill MailLocation's fields; any other KEY[=value] goes to
// `extra`. A spec without a format ("/var/mail/%u" or "") gets format "" so
// the caller can autodetect; "auto:" is format "auto" and allows nothing
// after it (detection in the home). "auto:<path>[:KEY=value...]" (a Roost
// extension) is format "auto" with a root: the caller detects the format of
// the store at that path (store_detection.hpp). Bad syntax is a kExitConfig
// error.
MailLocation parse_mail_location(std::string_view spec, const VarExpander& vars);

// `auto:` / empty mail_location: which format lives in `home`. Checks, in
// Dovecot's order, ~/mdbox/storage, ~/sdbox/mailboxes, ~/Maildir/cur, then
// ~/mail and ~/Mail holding an mbox tree (.imap/, inbox or mbox). `is_dir`
// and `exists` are injected so this stays pure. nullopt = nothing found (a
// new user: the caller decides, see C08).
std::optional<MailLocation> autodetect_mail_location(
    const std::string& home, const std::function<bool(const std::string&)>& is_dir,
    const std::function<bool(const std::string&)>& exists);

// The hierarchy separator the location's layout uses when the namespace does
// not set one: '.' for Maildir++ (maildir without LAYOUT=fs), '/' otherwise.
char default_separator(const MailLocation& location);

}  // namespace roost
