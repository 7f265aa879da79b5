#include "formats/mime/mime_part.hpp"

#include <cstring>

#include "formats/mime/charset.hpp"
#include "formats/mime/encoded_words.hpp"
#include "formats/mime/transfer_encoding.hpp"
#include "lib/strutil.hpp"

namespace roost {
namespace {

bool is_token_char(char c) {
  if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  return std::strchr("()<>@,;:\\\"/[]?=", c) == nullptr;
}

// Skips whitespace and (nested) comments.
void skip_cfws(std::string_view s, size_t& i) {
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {
      int depth = 0;
      while (i < s.size()) {
        char d = s[i++];
        if (d == '\\') {
          ++i;
        } else if (d == '(') {
          ++depth;
        } else if (d == ')' && --depth == 0) {
          break;
        }
      }
    } else {
      break;
    }
  }
}

std::string read_token(std::string_view s, size_t& i) {
  size_t start = i;
  while (i < s.size() && is_token_char(s[i])) ++i;
  return std::string(s.substr(start, i - start));
}

// token or quoted-string
bool read_value(std::string_view s, size_t& i, std::string& out) {
  skip_cfws(s, i);
  if (i < s.size() && s[i] == '"') {
    ++i;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out += s[i++];
    }
    if (i < s.size()) ++i;
    return true;
  }
  out = read_token(s, i);
  return !out.empty();
}

struct ParsedContentType {
  std::string type, subtype;
  bool ok = false;
  std::vector<MimeParam> params;
};

ParsedContentType parse_content_type_value(std::string_view v) {
  ParsedContentType ct;
  size_t i = 0;
  skip_cfws(v, i);
  ct.type = read_token(v, i);
  skip_cfws(v, i);
  if (ct.type.empty() || i >= v.size() || v[i] != '/') return ct;
  ++i;
  skip_cfws(v, i);
  ct.subtype = read_token(v, i);
  if (ct.subtype.empty()) return ct;
  ct.ok = true;
  ct.params = parse_mime_params(v.substr(i));
  return ct;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct BoundaryHit {
  size_t index = 0;       // in the active boundary stack
  size_t line_start = 0;  // position of "--"
  size_t line_end = 0;    // after the LF (or end of data)
  bool close = false;     // "--boundary--"
};

class MimeParser {
 public:
  explicit MimeParser(std::string_view msg) : msg_(msg) {}

  MimePart parse() {
    MimePart root;
    parse_part(0, root, false, false, 0);
    return root;
  }

 private:
  // Matches "--<boundary>" at msg_[pos], innermost boundary first.
  bool match_boundary(std::string_view line, BoundaryHit& hit) const {
    if (line.size() < 2 || line[0] != '-' || line[1] != '-') return false;
    std::string_view rest = line.substr(2);
    for (size_t k = boundaries_.size(); k-- > 0;) {
      const std::string& b = boundaries_[k];
      if (rest.size() >= b.size() && rest.compare(0, b.size(), b) == 0) {
        hit.index = k;
        hit.close = rest.size() >= b.size() + 2 && rest[b.size()] == '-' && rest[b.size() + 1] == '-';
        return true;
      }
    }
    return false;
  }

  std::optional<BoundaryHit> find_boundary(size_t pos) const {
    if (boundaries_.empty()) return std::nullopt;
    while (pos < msg_.size()) {
      const void* nlp = std::memchr(msg_.data() + pos, '\n', msg_.size() - pos);
      size_t line_end = nlp ? static_cast<size_t>(static_cast<const char*>(nlp) - msg_.data()) + 1
                            : msg_.size();
      BoundaryHit hit;
      if (msg_[pos] == '-' && match_boundary(msg_.substr(pos, line_end - pos), hit)) {
        hit.line_start = pos;
        hit.line_end = line_end;
        return hit;
      }
      pos = line_end;
    }
    return std::nullopt;
  }

  // Where a body ends when a boundary line follows: the [CR]LF before the
  // boundary line belongs to the boundary.
  static size_t end_before(std::string_view msg, size_t body_start, size_t line_start) {
    size_t end = line_start;
    if (end > body_start && msg[end - 1] == '\n') {
      --end;
      if (end > body_start && msg[end - 1] == '\r') --end;
    }
    return end;
  }

  static bool stop_header(std::string_view rest, const void* ctx) {
    const auto* self = static_cast<const MimeParser*>(ctx);
    if (rest.size() < 2 || rest[0] != '-' || rest[1] != '-') return false;
    size_t nl = rest.find('\n');
    BoundaryHit hit;
    return self->match_boundary(rest.substr(0, nl), hit);
  }

  void fill_content_data(MimePart& part) {
    for (const auto& f : part.header.fields) {
      std::string_view name = f.name;
      if (!istarts_with(name, "Content-")) continue;
      std::string_view sub = name.substr(8);
      if (iequals(sub, "Type")) {
        if (part.content_type) continue;
        ParsedContentType ct = parse_content_type_value(f.value);
        part.content_type = ct.type;
        part.content_subtype = ct.subtype;
        if (ct.ok) part.content_type_params = std::move(ct.params);
      } else if (iequals(sub, "Transfer-Encoding")) {
        if (part.content_transfer_encoding) continue;
        size_t i = 0;
        skip_cfws(f.value, i);
        std::string tok = read_token(f.value, i);
        skip_cfws(f.value, i);
        if (!tok.empty() && i >= f.value.size()) part.content_transfer_encoding = tok;
      } else if (iequals(sub, "ID")) {
        if (!part.content_id) part.content_id = f.value;
      } else if (iequals(sub, "MD5")) {
        if (!part.content_md5) part.content_md5 = f.value;
      } else if (iequals(sub, "Description")) {
        if (!part.content_description) part.content_description = f.value;
      } else if (iequals(sub, "Location")) {
        if (!part.content_location) part.content_location = f.value;
      } else if (iequals(sub, "Language")) {
        if (!part.content_language.empty()) continue;
        std::string_view v = f.value;
        size_t i = 0;
        skip_cfws(v, i);
        while (true) {
          std::string atom = read_token(v, i);
          if (atom.empty()) break;
          part.content_language.push_back(atom);
          skip_cfws(v, i);
          if (i >= v.size() || v[i] != ',') break;
          ++i;
          skip_cfws(v, i);
        }
      } else if (iequals(sub, "Disposition")) {
        if (part.content_disposition) continue;
        size_t i = 0;
        skip_cfws(f.value, i);
        std::string tok = read_token(f.value, i);
        if (tok.empty()) continue;
        part.content_disposition = tok;
        part.content_disposition_params = parse_mime_params(std::string_view(f.value).substr(i));
      }
    }
  }

  // Parses the part starting at `pos`. Returns the boundary line that ended
  // it (belonging to an enclosing multipart), or nullopt at end of data.
  std::optional<BoundaryHit> parse_part(size_t pos, MimePart& part, bool in_multipart,
                                        bool parent_digest, unsigned depth) {
    ++parts_;
    part.header_offset = pos;
    part.header = parse_header_block(msg_.substr(pos), &MimeParser::stop_header, this);
    part.header_virtual_size = part.header.virtual_size;
    part.header_lines = part.header.lines;
    part.body_offset = pos + part.header.size;

    bool has_content_type = part.header.first("Content-Type").has_value();
    part.is_mime = in_multipart || has_content_type || part.header.first("MIME-Version");
    if (part.is_mime) fill_content_data(part);
    bool ct_ok = part.content_type && part.content_subtype && !part.content_subtype->empty();
    if (part.is_mime && has_content_type) {
      std::string_view type = *part.content_type;
      std::string_view subtype =
          part.content_subtype ? std::string_view(*part.content_subtype) : std::string_view();
      if (iequals(type, "message") && iequals(subtype, "rfc822")) {
        part.message_rfc822 = true;
      } else if (iequals(type, "text")) {
        part.text = true;
      } else if (iequals(type, "multipart") && ct_ok) {
        part.multipart = true;
      }
    } else {
      if (parent_digest) {
        part.message_rfc822 = true;
      } else {
        part.text = true;
      }
    }
    bool limits_ok = depth + 1 < kMaxMimeDepth && parts_ < kMaxMimeParts;

    std::optional<BoundaryHit> result;
    if (part.multipart) {
      std::optional<std::string> boundary = part.param("boundary");
      if (boundary && !boundary->empty() && limits_ok) {
        if (boundary->size() > 70 + 10) boundary->resize(80);
        result = parse_multipart_body(part, *boundary, depth);
        return result;
      }
      if (!limits_ok) part.truncated = true;
    } else if (part.message_rfc822) {
      if (limits_ok) {
        MimePart child;
        result = parse_part(part.body_offset, child, false, false, depth + 1);
        part.children.push_back(std::move(child));
        finish_body(part, result);
        return result;
      }
      part.truncated = true;
    }
    result = find_boundary(part.body_offset);
    finish_body(part, result);
    return result;
  }

  void finish_body(MimePart& part, const std::optional<BoundaryHit>& hit) {
    part.body_end = hit ? end_before(msg_, part.body_offset, hit->line_start) : msg_.size();
    if (part.body_end < part.body_offset) part.body_end = part.body_offset;
    std::string_view body = msg_.substr(part.body_offset, part.body_end - part.body_offset);
    part.body_virtual_size = virtual_size_of(body);
    part.body_lines = line_count_of(body);
  }

  std::optional<BoundaryHit> parse_multipart_body(MimePart& part, const std::string& boundary,
                                                  unsigned depth) {
    boundaries_.push_back(boundary);
    size_t mine = boundaries_.size() - 1;
    bool digest = part.content_subtype && iequals(*part.content_subtype, "digest");
    std::optional<BoundaryHit> hit = find_boundary(part.body_offset);
    while (hit && hit->index == mine && !hit->close) {
      if (parts_ >= kMaxMimeParts) {
        part.truncated = true;
        break;
      }
      MimePart child;
      hit = parse_part(hit->line_end, child, true, digest, depth + 1);
      part.children.push_back(std::move(child));
    }
    if (hit && hit->index == mine) {
      // Closing boundary (or part limit): the epilogue runs to an enclosing
      // boundary or the end.
      boundaries_.pop_back();
      hit = find_boundary(hit->line_end);
    } else {
      boundaries_.pop_back();
    }
    finish_body(part, hit);
    return hit;
  }

  std::string_view msg_;
  std::vector<std::string> boundaries_;
  unsigned parts_ = 0;
};

void append_part_text(const MimePart& part, std::string_view message, bool with_headers,
                      std::string& out) {
  if (with_headers) {
    for (const auto& f : part.header.fields) {
      out += f.name;
      out += ": ";
      out += decode_encoded_words(f.value);
      out += '\n';
    }
  }
  if (!part.children.empty()) {
    for (const auto& c : part.children) append_part_text(c, message, with_headers, out);
    return;
  }
  if (part.multipart) return;
  std::string decoded;
  decode_transfer_encoding(part.content_transfer_encoding.value_or(""), part.body(message),
                           decoded);
  std::optional<std::string> charset = part.param("charset");
  if (part.text && charset) {
    if (!charset_to_utf8(*charset, decoded, out)) append_valid_utf8(decoded, out);
  } else {
    append_valid_utf8(decoded, out);
  }
  out += '\n';
}

}  // namespace

std::vector<MimeParam> parse_mime_params(std::string_view v) {
  // Collect raw params, then merge RFC 2231 continuations name*0, name*1...
  struct Raw {
    std::string name;
    std::string value;
  };
  std::vector<Raw> raw;
  size_t i = 0;
  while (i < v.size() && raw.size() < 1000) {
    skip_cfws(v, i);
    if (i >= v.size()) break;
    if (v[i] != ';') {
      // junk: skip to the next ';'
      size_t semi = v.find(';', i);
      if (semi == std::string_view::npos) break;
      i = semi;
    }
    ++i;
    skip_cfws(v, i);
    std::string name = read_token(v, i);
    if (name.empty()) continue;
    skip_cfws(v, i);
    if (i >= v.size() || v[i] != '=') continue;
    ++i;
    std::string value;
    if (!read_value(v, i, value) && value.empty()) {
      // empty value still counts if quoted; read_value returned false for an empty token
    }
    raw.push_back({name, value});
  }
  std::vector<MimeParam> out;
  auto find = [&](std::string_view n) -> MimeParam* {
    for (auto& p : out) {
      if (iequals(p.name, n)) return &p;
    }
    return nullptr;
  };
  // Plain parameters first, in order.
  for (const auto& r : raw) {
    if (r.name.find('*') != std::string::npos) continue;
    if (!find(r.name)) out.push_back({r.name, r.value});
  }
  // Then extended ones: name* and name*N[*].
  for (const auto& r : raw) {
    size_t star = r.name.find('*');
    if (star == std::string::npos) continue;
    std::string base = r.name.substr(0, star);
    std::string_view suffix = std::string_view(r.name).substr(star + 1);
    if (suffix.empty()) {
      if (!find(base) && !find(base + "*")) out.push_back({base + "*", r.value});
      continue;
    }
    if (suffix != "0" && suffix != "0*") continue;
    bool extended = suffix == "0*";
    std::string value = r.value;
    for (unsigned n = 1; n < 1000; ++n) {
      bool found = false;
      for (const auto& c : raw) {
        std::string plain = base + "*" + std::to_string(n);
        if (iequals(c.name, plain)) {
          if (extended) {
            // a non-encoded segment inside an encoded value: percent-escape it
            for (unsigned char ch : c.value) {
              if (ch == '%' || ch < 0x20 || ch >= 0x7f || ch == ' ' || ch == '\'') {
                static const char hex[] = "0123456789ABCDEF";
                value += '%';
                value += hex[ch >> 4];
                value += hex[ch & 15];
              } else {
                value += static_cast<char>(ch);
              }
            }
          } else {
            value += c.value;
          }
          found = true;
          break;
        }
        if (iequals(c.name, plain + "*")) {
          value += c.value;
          extended = true;
          found = true;
          break;
        }
      }
      if (!found) break;
    }
    std::string name = extended ? base + "*" : base;
    if (!find(base) && !find(base + "*")) out.push_back({name, value});
  }
  return out;
}

std::string decode_rfc2231_value(std::string_view value) {
  size_t q1 = value.find('\'');
  if (q1 == std::string_view::npos) return std::string(value);
  size_t q2 = value.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::string(value);
  std::string_view charset = value.substr(0, q1);
  std::string raw;
  std::string_view enc = value.substr(q2 + 1);
  for (size_t i = 0; i < enc.size(); ++i) {
    if (enc[i] == '%' && i + 2 < enc.size() + 0 && hexval(enc[i + 1]) >= 0 &&
        hexval(enc[i + 2]) >= 0) {
      raw += static_cast<char>(hexval(enc[i + 1]) * 16 + hexval(enc[i + 2]));
      i += 2;
    } else {
      raw += enc[i];
    }
  }
  std::string out;
  if (!charset_to_utf8(charset, raw, out)) append_valid_utf8(raw, out);
  return out;
}

std::optional<std::string> MimePart::param(std::string_view name) const {
  for (const auto& p : content_type_params) {
    if (iequals(p.name, name)) return p.value;
  }
  for (const auto& p : content_type_params) {
    if (p.name.size() == name.size() + 1 && p.name.back() == '*' &&
        iequals(std::string_view(p.name).substr(0, name.size()), name)) {
      return decode_rfc2231_value(p.value);
    }
  }
  return std::nullopt;
}

MimePart parse_mime(std::string_view message) {
  MimeParser parser(message);
  return parser.parse();
}

void append_search_text(const MimePart& part, std::string_view message, bool with_headers,
                        std::string& out) {
  append_part_text(part, message, with_headers, out);
}

}  // namespace roost
