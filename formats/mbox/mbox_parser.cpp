#include "formats/mbox/mbox_parser.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <cstring>

#include "formats/mbox/mbox_from.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

// Dovecot's "apop3d" header hash, which it reports as the GUID of an mbox
// message: MD5 over the values of Date and Message-ID (only until the first
// Received header), the first Received, Delivered-To and X-Delivery-ID.
class HeaderHash {
 public:
  HeaderHash() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }
  ~HeaderHash() { EVP_MD_CTX_free(ctx_); }
  HeaderHash(const HeaderHash&) = delete;
  HeaderHash& operator=(const HeaderHash&) = delete;

  // `first` is the first line of a field, `value` its value (or the whole
  // continuation line).
  void add(std::string_view name, std::string_view value, bool continuation, bool field_continues) {
    if (iequals(name, "Date") || iequals(name, "Message-ID")) {
      if (!seen_received_) update(value);
    } else if (iequals(name, "Delivered-To") || iequals(name, "X-Delivery-ID")) {
      update(value);
    } else if (iequals(name, "Received")) {
      if (!seen_received_) {
        update(value);
        if (!field_continues) seen_received_ = true;
      }
    }
    (void)continuation;
  }
  std::string hex() {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, d, &n);
    std::string out;
    char b[3];
    for (unsigned int i = 0; i < n; ++i) {
      std::snprintf(b, sizeof b, "%02x", d[i]);
      out += b;
    }
    return out;
  }

 private:
  void update(std::string_view v) { EVP_DigestUpdate(ctx_, v.data(), v.size()); }
  EVP_MD_CTX* ctx_;
  bool seen_received_ = false;
};

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t b = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > b) out.emplace_back(s.substr(b, i - b));
  }
  return out;
}

bool parse_u32(std::string_view s, uint32_t& out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xffffffffULL) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

bool valid_from_at(std::string_view data, size_t pos) {
  if (data.compare(pos, 5, "From ") != 0) return false;
  size_t e = data.find('\n', pos);
  std::string_view line =
      data.substr(pos, e == std::string_view::npos ? data.size() - pos : e - pos);
  return parse_from_line(line).has_value();
}

void add_unique(std::vector<std::string>& list, const std::string& kw) {
  for (const auto& k : list)
    if (iequals(k, kw)) return;
  list.push_back(kw);
}

}  // namespace

bool is_mbox_metadata_header(std::string_view name) {
  static constexpr const char* kNames[] = {"Content-Length", "Status",   "X-IMAP", "X-IMAPbase",
                                           "X-Keywords",     "X-Status", "X-UID"};
  for (const char* n : kNames)
    if (iequals(name, n)) return true;
  return false;
}

MboxScan parse_mbox(std::string_view data) {
  MboxScan scan;
  if (data.empty()) return scan;
  if (!valid_from_at(data, 0))
    throw Error(kExitDataErr,
                "mbox file doesn't begin with a 'From ' line: it is corrupt or not an mbox; "
                "fix or move the file away");
  size_t pos = 0;
  bool first = true;
  uint32_t prev_uid = 0;
  while (pos < data.size()) {
    MboxMail m;
    m.from_offset = pos;
    size_t eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    m.from_line = std::string(data.substr(pos, eol - pos));
    if (!m.from_line.empty() && m.from_line.back() == '\r') m.from_line.pop_back();
    m.received_date = parse_from_line(m.from_line).value_or(0);
    size_t p = eol < data.size() ? eol + 1 : eol;
    m.header_offset = p;

    // Header block.
    HeaderHash hash;
    std::string field;       // current field name
    bool meta = false;       // current field is a metadata header
    std::string meta_value;  // accumulated value of the current metadata field
    int64_t content_length = -1;
    bool pseudo = false;
    uint32_t xuid = 0;
    bool have_xuid = false;
    auto finish_meta = [&]() {
      if (!meta) return;
      std::string_view v = trim_ws(meta_value);
      if (iequals(field, "X-UID")) {
        if (!have_xuid) have_xuid = parse_u32(v, xuid);
      } else if (iequals(field, "Status")) {
        for (char c : v) {
          if (c == 'R') m.flags.system |= kFlagSeen;
          if (c == 'O') m.old = true;
        }
      } else if (iequals(field, "X-Status")) {
        for (char c : v) {
          if (c == 'A') m.flags.system |= kFlagAnswered;
          if (c == 'F') m.flags.system |= kFlagFlagged;
          if (c == 'T') m.flags.system |= kFlagDraft;
          if (c == 'D') m.flags.system |= kFlagDeleted;
        }
      } else if (iequals(field, "X-Keywords")) {
        for (auto& k : split_words(v)) m.flags.add_keyword(k);
      } else if (iequals(field, "Content-Length")) {
        uint32_t cl = 0;
        if (content_length < 0 && parse_u32(v, cl)) content_length = cl;
      } else if (first && (iequals(field, "X-IMAPbase") || iequals(field, "X-IMAP"))) {
        if (scan.uidvalidity == 0) {
          auto w = split_words(v);
          uint32_t uv = 0, last = 0;
          if (w.size() >= 2 && parse_u32(w[0], uv) && uv != 0 && parse_u32(w[1], last)) {
            scan.uidvalidity = uv;
            scan.uid_last = last;
            for (size_t i = 2; i < w.size(); ++i) add_unique(scan.keywords, w[i]);
            if (iequals(field, "X-IMAP")) pseudo = true;
          }
        }
      }
      meta = false;
      meta_value.clear();
    };
    while (p < data.size()) {
      size_t e = data.find('\n', p);
      size_t next = e == std::string_view::npos ? data.size() : e + 1;
      std::string_view line = data.substr(p, next - p);
      if (line == "\n" || line == "\r\n") {
        finish_meta();
        m.clean_header.append(line);
        m.header_ended = true;
        p = next;
        break;
      }
      bool cont = line[0] == ' ' || line[0] == '\t';
      bool next_cont = next < data.size() && (data[next] == ' ' || data[next] == '\t');
      if (cont && !field.empty()) {
        if (meta) {
          meta_value += ' ';
          meta_value.append(trim_ws(line));
        } else {
          m.clean_header.append(line);
          hash.add(field, trim_ws(line), true, next_cont);
        }
      } else {
        finish_meta();
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
          field.clear();
          m.clean_header.append(line);
        } else {
          field = std::string(trim_ws(line.substr(0, colon)));
          std::string_view value = line.substr(colon + 1);
          if (is_mbox_metadata_header(field)) {
            meta = true;
            meta_value = std::string(value);
          } else {
            m.clean_header.append(line);
            std::string_view v = value;
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
            while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
            hash.add(field, v, false, next_cont);
          }
        }
      }
      p = next;
    }
    finish_meta();
    m.body_offset = p;

    // Body: trust Content-Length when it lands on a message boundary.
    bool found = false;
    if (content_length >= 0 && p + static_cast<uint64_t>(content_length) <= data.size()) {
      size_t q = p + static_cast<size_t>(content_length);
      if (q == data.size()) {
        m.body_end = q;
        m.next_offset = q;
        found = true;
      } else if (data[q] == '\n' && (q + 1 == data.size() || valid_from_at(data, q + 1))) {
        m.body_end = q;
        m.next_offset = q + 1;
        found = true;
      }
    }
    if (!found) {
      size_t s = p > 0 ? p - 1 : 0;
      while (true) {
        size_t q = data.find("\nFrom ", s);
        if (q == std::string_view::npos) {
          m.body_end = data.size();
          if (m.body_end > p && data[m.body_end - 1] == '\n') --m.body_end;
          m.next_offset = data.size();
          break;
        }
        if (q + 1 > p && valid_from_at(data, q + 1)) {
          m.body_end = q < p ? p : q;
          if (m.body_end > p && data[m.body_end - 1] == '\r') --m.body_end;
          m.next_offset = q + 1;
          break;
        }
        s = q + 1;
      }
    }
    m.guid = hash.hex();
    {
      // memchr keeps this pass cheap on 100 MB files.
      auto vsize = [](std::string_view s) {
        uint64_t n = s.size();
        const char* b = s.data();
        const char* e = b + s.size();
        for (const char* p = b; p < e;) {
          const void* q = std::memchr(p, '\n', static_cast<size_t>(e - p));
          if (!q) break;
          const char* nl = static_cast<const char*>(q);
          if (nl == b || nl[-1] != '\r') ++n;
          p = nl + 1;
        }
        return n;
      };
      m.virtual_size =
          vsize(m.clean_header) + vsize(data.substr(m.body_offset, m.body_end - m.body_offset));
    }
    const uint64_t next = m.next_offset;

    if (first && pseudo) {
      scan.has_pseudo = true;
    } else {
      if (have_xuid && scan.uidvalidity != 0 && xuid > prev_uid && xuid <= scan.uid_last) {
        m.uid = xuid;
        m.has_xuid = true;
        prev_uid = xuid;
      } else {
        scan.needs_rewrite = true;
      }
      for (const auto& k : m.flags.keywords) add_unique(scan.keywords, k);
      scan.mails.push_back(std::move(m));
    }
    first = false;
    pos = next;
  }
  return scan;
}

}  // namespace roost
