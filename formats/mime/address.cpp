#include "formats/mime/address.hpp"

#include <cctype>

namespace roost {
namespace {

// Tokenizer over RFC 5322 structured header text.
class AddressLexer {
 public:
  explicit AddressLexer(std::string_view s) : s_(s) {}

  bool at_end() { skip_cfws(); return pos_ >= s_.size(); }
  char peek() { skip_cfws(); return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void advance() { ++pos_; }
  const std::string& last_comment() const { return last_comment_; }
  void clear_comment() { last_comment_.clear(); have_comment_ = false; }
  bool have_comment() const { return have_comment_; }

  // A word: atom (dot-atom allowed, '.' kept) or quoted string (unquoted).
  // Returns false when the next char is a special.
  bool word(std::string& out, bool allow_dots) {
    skip_cfws();
    if (pos_ >= s_.size()) return false;
    if (s_[pos_] == '"') {
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        if (s_[pos_] != '\r' && s_[pos_] != '\n') out += s_[pos_];
        ++pos_;
      }
      if (pos_ < s_.size()) ++pos_;
      return true;
    }
    size_t start = pos_;
    while (pos_ < s_.size() && is_atext(s_[pos_], allow_dots)) ++pos_;
    out.append(s_.substr(start, pos_ - start));
    return pos_ > start;
  }

  void skip_cfws() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else if (c == '(') {
        read_comment();
      } else {
        break;
      }
    }
  }

  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }

 private:
  static bool is_atext(char c, bool allow_dots) {
    switch (c) {
      case '(': case ')': case '<': case '>': case '[': case ']': case ':': case ';':
      case '@': case '\\': case ',': case '"': case ' ': case '\t': case '\r': case '\n':
        return false;
      case '.':
        return allow_dots;
      default:
        return true;
    }
  }

  void read_comment() {
    int depth = 0;
    std::string text;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '\\' && pos_ < s_.size()) {
        text += s_[pos_++];
        continue;
      }
      if (c == '(') {
        if (depth++ > 0) text += c;
      } else if (c == ')') {
        if (--depth == 0) break;
        text += c;
      } else if (c != '\r' && c != '\n') {
        text += c;
      }
    }
    last_comment_ = text;
    have_comment_ = true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string last_comment_;
  bool have_comment_ = false;
};

const char kMissingMailbox[] = "MISSING_MAILBOX";
const char kMissingDomain[] = "MISSING_DOMAIN";
const char kSyntaxError[] = "SYNTAX_ERROR";

// Parses local@domain (after an optional route inside <>). Stops at ',', ';',
// '>' or the end.
void parse_addr_spec(AddressLexer& lex, MailAddress& addr) {
  std::string local;
  while (true) {
    std::string w;
    if (!lex.word(w, true)) break;
    local += w;
    if (lex.peek() == '.') {
      local += '.';
      lex.advance();
    } else if (lex.peek() != '"' && !std::isalnum(static_cast<unsigned char>(lex.peek()))) {
      break;
    }
  }
  if (!local.empty()) addr.mailbox = local;
  if (lex.peek() == '@') {
    lex.advance();
    std::string domain;
    if (lex.peek() == '[') {
      // domain literal
      lex.advance();
      domain += '[';
      while (!lex.at_end() && lex.peek() != ']') {
        std::string w;
        if (!lex.word(w, true)) {
          lex.advance();
          continue;
        }
        domain += w;
      }
      if (lex.peek() == ']') lex.advance();
      domain += ']';
    } else {
      std::string w;
      while (lex.word(w, true)) {
        if (lex.peek() != '.') break;
      }
      domain = w;
    }
    if (!domain.empty()) addr.domain = domain;
  }
}

void fill_missing(MailAddress& addr) {
  if (!addr.mailbox || addr.mailbox->empty()) addr.mailbox = kMissingMailbox;
  if (!addr.domain || addr.domain->empty()) addr.domain = kMissingDomain;
}

// Parses one mailbox (name-addr or addr-spec). Returns false if nothing at all.
void parse_mailbox(AddressLexer& lex, std::vector<MailAddress>& out) {
  MailAddress addr;
  lex.clear_comment();
  size_t start = lex.pos();
  // Collect a phrase; if followed by '<' it is the display name, otherwise
  // re-parse as an addr-spec.
  std::string phrase;
  bool have_phrase = false;
  while (true) {
    char c = lex.peek();
    if (c == '\0' || c == ',' || c == ';' || c == '<' || c == '@' || c == ':' || c == '>') break;
    std::string w;
    if (!lex.word(w, true)) {
      lex.advance();  // stray special, skip
      continue;
    }
    if (have_phrase) phrase += ' ';
    phrase += w;
    have_phrase = true;
  }
  if (lex.peek() == '<') {
    lex.advance();
    if (have_phrase && !phrase.empty()) addr.name = phrase;
    if (lex.peek() == '@') {
      // obsolete route: @a,@b:
      std::string route;
      while (lex.peek() == '@' || lex.peek() == ',') {
        char c = lex.peek();
        lex.advance();
        route += c;
        if (c == '@') {
          std::string w;
          lex.word(w, true);
          route += w;
        }
      }
      if (lex.peek() == ':') lex.advance();
      if (!route.empty()) addr.route = route;
    }
    parse_addr_spec(lex, addr);
    if (lex.peek() == '>') {
      lex.advance();
      fill_missing(addr);
    } else {
      fill_missing(addr);
      addr.domain = kSyntaxError;
    }
    if (!addr.name && lex.have_comment() && !lex.last_comment().empty()) {
      addr.name = lex.last_comment();
    }
    // skip trailing comments
    lex.skip_cfws();
  } else {
    lex.set_pos(start);
    lex.clear_comment();
    parse_addr_spec(lex, addr);
    lex.skip_cfws();
    if (lex.have_comment() && !lex.last_comment().empty()) addr.name = lex.last_comment();
    fill_missing(addr);
  }
  out.push_back(std::move(addr));
}

}  // namespace

std::vector<MailAddress> parse_address_list(std::string_view value) {
  std::vector<MailAddress> out;
  AddressLexer lex(value);
  bool in_group = false;
  bool element_since_comma = false;
  size_t guard = 0;
  while (!lex.at_end() && guard++ < value.size() + 1) {
    char c = lex.peek();
    if (c == ',') {
      lex.advance();
      // An empty element before a comma still yields an (invalid) address.
      if (!element_since_comma) {
        MailAddress missing;
        fill_missing(missing);
        out.push_back(missing);
      }
      element_since_comma = false;
      continue;
    }
    if (c == ';') {
      lex.advance();
      if (in_group) {
        out.push_back(MailAddress{});
        in_group = false;
      }
      element_since_comma = true;
      continue;
    }
    element_since_comma = true;
    // Group: phrase ':' ...
    size_t start = lex.pos();
    if (!in_group) {
      std::string phrase;
      bool got = false;
      while (true) {
        std::string w;
        if (!lex.word(w, true)) break;
        if (got) phrase += ' ';
        phrase += w;
        got = true;
      }
      if (lex.peek() == ':') {
        lex.advance();
        MailAddress g;
        g.mailbox = phrase;
        out.push_back(std::move(g));
        in_group = true;
        continue;
      }
      lex.set_pos(start);
    }
    size_t before = lex.pos();
    parse_mailbox(lex, out);
    c = lex.peek();
    if (c != ',' && c != ';' && c != '\0') lex.advance();  // skip junk
    if (lex.pos() == before) lex.advance();
  }
  if (in_group) out.push_back(MailAddress{});
  if (out.empty() && !value.empty() && value.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    MailAddress missing;
    fill_missing(missing);
    out.push_back(missing);
  }
  return out;
}

std::string format_address_list(const std::vector<MailAddress>& list) {
  std::string out;
  bool first = true;
  bool group_first = false;
  for (const auto& a : list) {
    if (a.group_end()) {
      out += ';';
      first = false;
      continue;
    }
    if (!first && !group_first) out += ", ";
    group_first = false;
    first = false;
    if (a.group_start()) {
      out += *a.mailbox;
      out += ": ";
      group_first = true;
      continue;
    }
    if (a.name) {
      out += *a.name;
      out += " <";
    }
    if (a.route) {
      out += *a.route;
      out += ':';
    }
    if (a.mailbox) out += *a.mailbox;
    if (a.domain) {
      out += '@';
      out += *a.domain;
    }
    if (a.name) out += '>';
  }
  return out;
}

}  // namespace roost
