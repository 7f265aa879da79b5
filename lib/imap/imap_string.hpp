#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace roost {

// IMAP string output the way Dovecot writes it (envelope, bodystructure,
// protocol responses):
//  - absent value -> NIL
//  - a quoted string "..." with \" and \\ escapes, unless the value holds
//    CR, LF, 8-bit bytes or more than 4 quoted-specials, in which case it is
//    sent as a literal {n}\r\n<bytes>.
std::string imap_quote(std::optional<std::string_view> value);
void imap_append_quote(std::string& out, std::optional<std::string_view> value);

// Same, but CR/LF are removed first (a space is inserted where a line break
// was not followed by whitespace), as used for envelope fields.
void imap_append_quote_nolf(std::string& out, std::optional<std::string_view> value);

// Astring: bare atom when possible, else imap_quote. "" and "NIL" are quoted.
std::string imap_astring(std::string_view value);

}  // namespace roost

namespace roost {

// Dovecot's "string for humans" form used for ENVELOPE subjects and display
// names: runs of whitespace (incl. CR/LF/TAB) become one space, leading and
// trailing whitespace is dropped, NUL becomes 0x80; written quoted when
// nothing had to change, else as a literal.
void imap_append_string_for_humans(std::string& out, std::string_view value);

}  // namespace roost
