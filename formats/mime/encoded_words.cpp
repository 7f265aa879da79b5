#include "formats/mime/encoded_words.hpp"

#include "formats/mime/charset.hpp"
#include "formats/mime/transfer_encoding.hpp"

namespace roost {
namespace {

// Tries to decode one encoded-word starting at value[pos] ("=?"). On success
// appends the UTF-8 text, sets `end` past "?=" and returns true.
bool decode_word(std::string_view value, size_t pos, std::string& out, size_t& end) {
  size_t cs_end = value.find('?', pos + 2);
  if (cs_end == std::string_view::npos || cs_end + 3 >= value.size()) return false;
  if (value[cs_end + 2] != '?') return false;
  char enc = value[cs_end + 1];
  size_t text_start = cs_end + 3;
  size_t text_end = value.find("?=", text_start);
  if (text_end == std::string_view::npos) return false;
  std::string_view charset = value.substr(pos + 2, cs_end - pos - 2);
  if (charset.empty()) return false;
  size_t star = charset.find('*');
  if (star != std::string_view::npos) charset = charset.substr(0, star);
  std::string_view text = value.substr(text_start, text_end - text_start);
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  }
  std::string raw;
  if (enc == 'B' || enc == 'b') {
    decode_base64(text, raw);
  } else if (enc == 'Q' || enc == 'q') {
    decode_quoted_printable(text, raw, true);
  } else {
    return false;
  }
  if (!charset_to_utf8(charset, raw, out)) return false;
  end = text_end + 2;
  return true;
}

}  // namespace

std::string decode_encoded_words(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  size_t pos = 0;
  size_t plain_start = 0;
  bool last_was_word = false;
  while (pos < value.size()) {
    size_t start = value.find("=?", pos);
    if (start == std::string_view::npos) break;
    size_t end;
    std::string decoded;
    if (!decode_word(value, start, decoded, end)) {
      pos = start + 2;
      continue;
    }
    std::string_view between = value.substr(plain_start, start - plain_start);
    bool only_space = between.find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (!(last_was_word && only_space)) append_valid_utf8(between, out);
    out += decoded;
    pos = plain_start = end;
    last_was_word = true;
  }
  append_valid_utf8(value.substr(plain_start), out);
  return out;
}

}  // namespace roost
