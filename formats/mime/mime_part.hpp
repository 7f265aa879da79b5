#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/mime/header.hpp"

namespace roost {

struct MimeParam {
  std::string name;
  std::string value;
};

// Limits against hostile input; past them parts are kept flat (their bodies
// are not descended into) and reported as application/octet-stream, like
// Dovecot does when it reaches its own limits.
constexpr unsigned kMaxMimeDepth = 100;
constexpr unsigned kMaxMimeParts = 10000;

// One node of a message's MIME tree. Offsets index the message text the
// tree was parsed from.
struct MimePart {
  size_t header_offset = 0;
  size_t body_offset = 0;
  size_t body_end = 0;  // exclusive; the [CR]LF before a boundary is not part of the body
  uint64_t header_virtual_size = 0;
  uint32_t header_lines = 0;
  uint64_t body_virtual_size = 0;
  uint32_t body_lines = 0;

  HeaderBlock header;

  bool is_mime = false;
  bool multipart = false;
  bool message_rfc822 = false;
  bool text = false;
  bool truncated = false;  // a limit stopped parsing inside this part

  // Content-* data; only set when the part is MIME (Dovecot ignores
  // Content-* headers of a top-level part without MIME-Version or
  // Content-Type).
  std::optional<std::string> content_type;     // "text"
  std::optional<std::string> content_subtype;  // "plain"
  std::vector<MimeParam> content_type_params;  // RFC 2231 continuations merged
  std::optional<std::string> content_transfer_encoding;
  std::optional<std::string> content_id;
  std::optional<std::string> content_description;
  std::optional<std::string> content_md5;
  std::optional<std::string> content_disposition;
  std::vector<MimeParam> content_disposition_params;
  std::vector<std::string> content_language;
  std::optional<std::string> content_location;

  std::vector<MimePart> children;

  // Value of a Content-Type parameter (case-insensitive name). RFC 2231
  // "name*" values are decoded to UTF-8 when `decode` is true.
  std::optional<std::string> param(std::string_view name) const;
  // The body bytes within `message`.
  std::string_view body(std::string_view message) const {
    return message.substr(body_offset, body_end - body_offset);
  }
};

// Parses a whole message (no I/O; never throws on bad input).
MimePart parse_mime(std::string_view message);

// Parses a MIME parameter list ("; a=b; c*0=d; c*1=e") as Dovecot's
// rfc2231_parse does: continuations merged, "name*" kept with its encoded
// value, first occurrence wins.
std::vector<MimeParam> parse_mime_params(std::string_view text);

// Decodes an RFC 2231 extended value "charset'lang'percent-encoded" to UTF-8.
std::string decode_rfc2231_value(std::string_view value);

// Appends the decoded text of the part tree for searching: headers (decoded
// encoded-words) when `with_headers`, and bodies of all leaf parts with
// transfer encodings undone and text charsets converted to UTF-8.
void append_search_text(const MimePart& part, std::string_view message, bool with_headers,
                        std::string& out);

}  // namespace roost
