#include "lib/imap/imap_string.hpp"

namespace roost {
namespace {

// Past this many quoted-specials a literal is shorter than a quoted string
// for typical lengths.
constexpr int kMaxQuotedEscapes = 4;

bool is_atom_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\':
      return false;
    default:
      return true;
  }
}

}  // namespace

void imap_append_quote(std::string& out, std::optional<std::string_view> value) {
  if (!value) {
    out += "NIL";
    return;
  }
  std::string_view s = *value;
  int escapes = 0;
  bool literal = false;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      if (++escapes > kMaxQuotedEscapes) literal = true;
    } else if (c == '\r' || c == '\n' || c >= 0x80) {
      literal = true;
    }
    if (literal) break;
  }
  if (literal) {
    out += '{';
    out += std::to_string(s.size());
    out += "}\r\n";
    out.append(s);
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string imap_quote(std::optional<std::string_view> value) {
  std::string out;
  imap_append_quote(out, value);
  return out;
}

void imap_append_quote_nolf(std::string& out, std::optional<std::string_view> value) {
  if (!value || value->find_first_of("\r\n") == std::string_view::npos) {
    imap_append_quote(out, value);
    return;
  }
  std::string_view s = *value;
  std::string cleaned;
  cleaned.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\r' && c != '\n') {
      cleaned += c;
      continue;
    }
    // Keep words apart when the next line did not start with whitespace.
    char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (next != ' ' && next != '\t' && next != '\r' && next != '\n' && next != '\0') {
      cleaned += ' ';
    }
  }
  imap_append_quote(out, cleaned);
}

std::string imap_astring(std::string_view value) {
  bool atom = !value.empty() && !(value.size() == 3 && (value[0] | 0x20) == 'n' &&
                                   (value[1] | 0x20) == 'i' && (value[2] | 0x20) == 'l');
  for (unsigned char c : value) {
    if (!is_atom_char(c) && c != ']') {
      atom = false;
      break;
    }
  }
  return atom ? std::string(value) : imap_quote(value);
}

}  // namespace roost

namespace roost {

void imap_append_string_for_humans(std::string& out, std::string_view src) {
  bool modify = false;
  bool last_lwsp = true;
  bool whitespace_prefix = true;
  size_t removed = 0;
  for (unsigned char c : src) {
    switch (c) {
      case 0:
        last_lwsp = false;
        modify = true;
        break;
      case '\r':
      case '\n':
      case '\t':
        modify = true;
        [[fallthrough]];
      case ' ':
        if (last_lwsp) {
          modify = true;
          ++removed;
        }
        last_lwsp = true;
        break;
      case '"':
      case '\\':
        modify = true;
        last_lwsp = false;
        break;
      default:
        if (c & 0x80) modify = true;
        last_lwsp = false;
        break;
    }
    if (!last_lwsp) whitespace_prefix = false;
  }
  if (last_lwsp && !src.empty() && !whitespace_prefix) {
    modify = true;
    ++removed;
  }
  if (!modify) {
    out += '"';
    out.append(src);
    out += '"';
    return;
  }
  if (removed == src.size()) {
    out += "\"\"";
    return;
  }
  std::string text;
  text.reserve(src.size());
  last_lwsp = true;
  whitespace_prefix = true;
  for (unsigned char c : src) {
    switch (c) {
      case 0:
        text += static_cast<char>(0x80);
        last_lwsp = false;
        break;
      case '\r':
      case '\n':
      case '\t':
      case ' ':
        if (!last_lwsp) text += ' ';
        last_lwsp = true;
        break;
      default:
        last_lwsp = false;
        text += static_cast<char>(c);
        break;
    }
    if (!last_lwsp) whitespace_prefix = false;
  }
  if (last_lwsp && !src.empty() && !whitespace_prefix && !text.empty()) text.pop_back();
  out += '{';
  out += std::to_string(text.size());
  out += "}\r\n";
  out += text;
}

}  // namespace roost
