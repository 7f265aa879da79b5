#include "cli/verbs/fetch_fields.hpp"

#include <cstdio>
#include <ctime>
#include <iterator>
#include <sstream>

#include "formats/mime/date.hpp"
#include "formats/mime/encoded_words.hpp"
#include "formats/mime/header.hpp"
#include "formats/mime/imap_bodystructure.hpp"
#include "formats/mime/mime_part.hpp"
#include "formats/mime/transfer_encoding.hpp"
#include "formats/mime/charset.hpp"
#include "lib/strutil.hpp"

namespace roost {
// The message text with its MIME tree, parsed once per message for the
// fields that need structure.
class ParsedMessage {
 public:
  std::string text;
  MimePart root;
};
}  // namespace roost

namespace roost::cli {

FetchState::FetchState() = default;
FetchState::~FetchState() = default;

void FetchState::begin_message(const MatchedMail&) {
  parsed_valid_ = false;
  header_valid_ = false;
}

const HeaderBlock& FetchState::header(const MatchedMail& m) {
  if (!header_valid_) {
    header_text_ = m.box.read_header(m.record.uid);
    header_ = std::make_unique<HeaderBlock>(parse_header_block(header_text_));
    header_valid_ = true;
  }
  return *header_;
}

const ParsedMessage& FetchState::parsed(const MatchedMail& m) {
  if (!parsed_valid_) {
    if (!parsed_) parsed_ = std::make_unique<ParsedMessage>();
    // Not `ostream << rdbuf()`: that swallows a read error (e.g. a
    // truncated compressed mail) and would parse a cut message.
    auto in = m.open();
    parsed_->text.assign(std::istreambuf_iterator<char>(*in), std::istreambuf_iterator<char>());
    parsed_->root = parse_mime(parsed_->text);
    parsed_valid_ = true;
  }
  return *parsed_;
}

std::string format_local_date(int64_t unix_time) {
  time_t t = static_cast<time_t>(unix_time);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

void print_date_sent(const MatchedMail& m, Printer& p, FetchState& s, bool unixtime) {
  int64_t t = 0;
  int tz = 0;
  if (auto v = s.header(m).first("Date"); !v || !parse_message_date(*v, t, tz)) {
    t = 0;
    tz = 0;
  }
  if (unixtime) {
    p.print(std::to_string(t));
    return;
  }
  char sign = tz < 0 ? '-' : '+';
  int a = tz < 0 ? -tz : tz;
  char zone[16];
  std::snprintf(zone, sizeof zone, " (%c%02d%02d)", sign, a / 60, a % 60);
  p.print(format_local_date(t) + zone);
}

void print_imap_envelope(const MatchedMail& m, Printer& p, FetchState& s) {
  p.print(imap_envelope(s.header(m)));
}

void print_imap_body(const MatchedMail& m, Printer& p, FetchState& s, bool extended) {
  const auto& root = s.parsed(m).root;
  p.print(extended ? imap_bodystructure(root) : imap_body(root));
}

namespace {
const MimePart* first_text_part(const MimePart& part, const char* subtype) {
  if (part.children.empty()) {
    bool is_text = !part.content_type || iequals(*part.content_type, "text");
    bool sub_ok = !part.content_subtype || iequals(*part.content_subtype, subtype);
    return is_text && sub_ok ? &part : nullptr;
  }
  for (const auto& c : part.children)
    if (const auto* t = first_text_part(c, subtype)) return t;
  return nullptr;
}

std::string strip_html(std::string_view html) {
  std::string out;
  bool in_tag = false;
  for (char c : html) {
    if (c == '<') in_tag = true;
    else if (c == '>') { in_tag = false; out += ' '; }
    else if (!in_tag) out += c;
  }
  return out;
}
}  // namespace

// Up to 200 characters of the first text part: decoded, quoted lines
// skipped, whitespace runs folded to one space.
void print_snippet(const MatchedMail& m, Printer& p, FetchState& s) {
  const auto& pm = s.parsed(m);
  const MimePart* part = first_text_part(pm.root, "plain");
  bool html = false;
  if (!part) {
    part = first_text_part(pm.root, "html");
    html = part != nullptr;
  }
  std::string out;
  if (part) {
    std::string decoded, utf8;
    decode_transfer_encoding(part->content_transfer_encoding.value_or("7bit"), part->body(pm.text),
                             decoded);
    auto charset = part->param("charset");
    if (!charset || !charset_to_utf8(*charset, decoded, utf8)) append_valid_utf8(decoded, utf8);
    if (html) utf8 = strip_html(utf8);
    size_t chars = 0;
    bool space = false;
    for (const auto& line : split(utf8, '\n')) {
      std::string_view l = trim(line);
      if (!l.empty() && l[0] == '>') continue;
      for (unsigned char c : l) {
        if (chars >= 200) break;
        if (c == ' ' || c == '\t' || c == '\r') {
          space = !out.empty();
          continue;
        }
        if (space) {
          out += ' ';
          ++chars;
          space = false;
        }
        out += static_cast<char>(c);
        if ((c & 0xc0) != 0x80) ++chars;
      }
      space = !out.empty();
    }
    // Don't end in the middle of a UTF-8 sequence.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xc0) == 0x80 &&
           chars > 200)
      out.pop_back();
  }
  p.print(out);
}

void print_header_field(const MatchedMail& m, Printer& p, FetchState& s, const std::string& name,
                        bool utf8) {
  std::string out;
  bool first = true;
  for (auto v : s.header(m).values(name)) {
    if (!first) out += '\n';
    first = false;
    out += utf8 ? decode_encoded_words(v) : std::string(v);
  }
  p.print(out);
}

}  // namespace roost::cli
