#pragma once
#include <string>

#include "formats/mime/header.hpp"
#include "formats/mime/mime_part.hpp"

namespace roost {

// IMAP ENVELOPE, BODY and BODYSTRUCTURE, byte for byte as Dovecot 2.3 prints
// them in `doveadm fetch imap.envelope / imap.body / imap.bodystructure`
// (without the outer parentheses, like doveadm).
std::string imap_envelope(const HeaderBlock& header);
std::string imap_body(const MimePart& root);
std::string imap_bodystructure(const MimePart& root);

}  // namespace roost
