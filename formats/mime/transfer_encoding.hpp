#pragma once
#include <string>
#include <string_view>

namespace roost {

// Content-Transfer-Encoding decoders. Both are lenient like mail readers:
// invalid characters are skipped (base64) or kept literally (quoted-printable).
void decode_base64(std::string_view in, std::string& out);
// `header_mode`: '_' means space (RFC 2047 "Q" encoding).
void decode_quoted_printable(std::string_view in, std::string& out, bool header_mode = false);

// Decodes `body` according to the Content-Transfer-Encoding `cte` (base64,
// quoted-printable; anything else is copied).
void decode_transfer_encoding(std::string_view cte, std::string_view body, std::string& out);

}  // namespace roost
