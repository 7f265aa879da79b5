#pragma once
#include <string>
#include <string_view>

namespace roost {

// IMAP modified UTF-7 (RFC 3501 section 5.1.3), the encoding of mailbox names
// on disk in Maildir++ folder names and in IMAP without UTF8=ACCEPT.
//
// mutf7_encode: UTF-8 -> modified UTF-7. Throws Error(kExitDataErr) when the
// input is not valid UTF-8 (overlongs, surrogates and values above U+10FFFF
// are invalid).
std::string mutf7_encode(std::string_view utf8);

// mutf7_decode: modified UTF-7 -> UTF-8. Throws Error(kExitDataErr) on
// characters outside printable US-ASCII, an unterminated or malformed
// base64 run, non-zero padding bits, odd UTF-16 lengths, unpaired surrogates,
// and printable ASCII hidden inside base64 (non-canonical).
std::string mutf7_decode(std::string_view mutf7);

}  // namespace roost
