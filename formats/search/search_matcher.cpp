#include "formats/search/search_matcher.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <iterator>
#include <optional>

#include "formats/mime/address.hpp"
#include "formats/mime/date.hpp"
#include "formats/mime/encoded_words.hpp"
#include "formats/mime/header.hpp"
#include "formats/mime/mime_part.hpp"
#include "lib/imap/utf8.hpp"
#include "lib/strutil.hpp"

namespace roost {
namespace {

enum class Cost { kMailbox = 0, kIndex = 1, kHeader = 2, kBody = 3 };

Cost key_cost(const SearchKey& k) {
  switch (k.type) {
    case SearchKeyType::kMailbox:
    case SearchKeyType::kMailboxGlob:
    case SearchKeyType::kMailboxGuid:
      return Cost::kMailbox;
    case SearchKeyType::kHeader:
    case SearchKeyType::kHeaderAddress:
    case SearchKeyType::kHeaderCompressLwsp:
      return Cost::kHeader;
    case SearchKeyType::kBefore:
    case SearchKeyType::kOn:
    case SearchKeyType::kSince:
      return k.date_type == SearchDateType::kSent ? Cost::kHeader : Cost::kIndex;
    case SearchKeyType::kBody:
    case SearchKeyType::kText:
      return Cost::kBody;
    case SearchKeyType::kSub:
    case SearchKeyType::kOr: {
      Cost c = Cost::kMailbox;
      for (const auto& ch : k.children) c = std::max(c, key_cost(ch));
      return c;
    }
    default:
      return Cost::kIndex;
  }
}

// Sorts children cheapest first and folds text patterns once.
void prepare(SearchKey& k, bool& header, bool& body) {
  switch (k.type) {
    case SearchKeyType::kSub:
    case SearchKeyType::kOr:
      for (auto& c : k.children) prepare(c, header, body);
      std::stable_sort(k.children.begin(), k.children.end(),
                       [](const SearchKey& a, const SearchKey& b) {
                         return key_cost(a) < key_cost(b);
                       });
      break;
    case SearchKeyType::kHeader:
    case SearchKeyType::kHeaderAddress:
    case SearchKeyType::kHeaderCompressLwsp:
      header = true;
      k.str = fold_case(k.str);
      break;
    case SearchKeyType::kBody:
    case SearchKeyType::kText:
      body = true;
      k.str = fold_case(k.str);
      break;
    case SearchKeyType::kBefore:
    case SearchKeyType::kOn:
    case SearchKeyType::kSince:
      if (k.date_type == SearchDateType::kSent) header = true;
      break;
    default:
      break;
  }
}

uint32_t fold_cp(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 && cp != 0x138 && cp != 0x149 &&
      cp != 0x17F) {
    // Latin Extended-A pairs; 0x139..0x148 and 0x179..0x17E pair odd->even.
    bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if (odd_upper) return (cp % 2 == 1) ? cp + 1 : cp;
    return (cp % 2 == 0) ? cp + 1 : cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Ascii-only needle: compare in place without building a folded haystack.
bool contains_ascii_icase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  unsigned char first = static_cast<unsigned char>(needle[0]);
  unsigned char first_upper = (first >= 'a' && first <= 'z') ? first - 32 : first;
  const char* p = hay.data();
  const char* end = hay.data() + hay.size() - needle.size() + 1;
  while (p < end) {
    // Jump to the next candidate first character in either case.
    const char* a = static_cast<const char*>(std::memchr(p, first, end - p));
    const char* b = first_upper != first
                        ? static_cast<const char*>(std::memchr(p, first_upper, end - p))
                        : nullptr;
    const char* c = a && b ? std::min(a, b) : (a ? a : b);
    if (!c) return false;
    size_t i = 1;
    for (; i < needle.size(); ++i) {
      unsigned char h = static_cast<unsigned char>(c[i]);
      if (h >= 'A' && h <= 'Z') h += 32;
      if (h != static_cast<unsigned char>(needle[i])) break;
    }
    if (i == needle.size()) return true;
    p = c + 1;
  }
  return false;
}

std::string compress_lwsp(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool prev_lwsp = true;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!prev_lwsp) out += ' ';
      prev_lwsp = true;
    } else {
      prev_lwsp = false;
      out += c;
    }
  }
  return out;
}

int64_t local_offset_seconds(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  if (!localtime_r(&tt, &tm)) return 0;
  return tm.tm_gmtoff;
}

bool compare_date(SearchKeyType type, int64_t date, int64_t key) {
  switch (type) {
    case SearchKeyType::kBefore:
      return date < key;
    case SearchKeyType::kOn:
      return date >= key && date < key + 86400;
    default:
      return date >= key;
  }
}

// Lazily loaded message text shared by all keys of one match() call.
class MessageData {
 public:
  // `body_needed`: the query reads the body too, so the header comes from
  // the one full read instead of a separate (cached or not) header read.
  MessageData(const SearchableMail& mail, bool body_needed)
      : mail_(mail), body_needed_(body_needed) {}

  const HeaderBlock& header() {
    if (!header_) {
      if (body_needed_) {
        load_full();
        header_ = parse_header_block(full_);
      } else {
        header_text_ = mail_.header_text();
        header_ = parse_header_block(header_text_);
      }
    }
    return *header_;
  }

  // Decoded text of the message: headers included when `with_headers`.
  const std::string& text(bool with_headers) {
    std::optional<std::string>& slot = with_headers ? text_with_headers_ : body_text_;
    if (!slot) {
      load_full();
      MimePart root = parse_mime(full_);
      slot.emplace();
      append_search_text(root, full_, with_headers, *slot);
    }
    return *slot;
  }

 private:
  void load_full() {
    if (full_loaded_) return;
    auto stream = mail_.open();
    char buf[65536];
    while (stream->read(buf, sizeof buf) || stream->gcount() > 0)
      full_.append(buf, static_cast<size_t>(stream->gcount()));
    full_loaded_ = true;
  }

  const SearchableMail& mail_;
  bool body_needed_;
  std::string header_text_;
  std::optional<HeaderBlock> header_;
  std::string full_;
  bool full_loaded_ = false;
  std::optional<std::string> text_with_headers_;
  std::optional<std::string> body_text_;
};

bool match_header_key(const SearchKey& k, MessageData& data) {
  const HeaderBlock& hdr = data.header();
  for (const auto& f : hdr.fields) {
    if (!iequals(f.name, k.header_name)) continue;
    if (k.str.empty()) return true;
    std::string value;
    switch (k.type) {
      case SearchKeyType::kHeaderAddress:
        value = decode_encoded_words(format_address_list(parse_address_list(f.value)));
        break;
      case SearchKeyType::kHeaderCompressLwsp:
        value = decode_encoded_words(compress_lwsp(f.value));
        break;
      default:
        value = decode_encoded_words(f.value);
        break;
    }
    if (contains_folded(value, k.str)) return true;
  }
  return false;
}

bool match_sent_date(const SearchKey& k, MessageData& data) {
  // A missing or invalid Date: counts as time 0, like Dovecot's mail_get_date().
  auto date = data.header().first("Date");
  int64_t t = 0;
  int tz = 0;
  if (!date || !parse_message_date(*date, t, tz)) {
    t = 0;
    tz = 0;
  }
  if (!k.utc_time) t += static_cast<int64_t>(tz) * 60;
  return compare_date(k.type, t, k.time);
}

bool eval(const SearchKey& k, const SearchableMail& mail, const SearchContext& ctx,
          MessageData& data) {
  bool r = false;
  const MessageRecord& rec = mail.record();
  switch (k.type) {
    case SearchKeyType::kAll:
      r = true;
      break;
    case SearchKeyType::kFlags:
      r = (rec.flags.system & k.flags) == k.flags;
      break;
    case SearchKeyType::kKeyword:
      r = rec.flags.has_keyword(k.str);
      break;
    case SearchKeyType::kSeqSet:
      r = k.set.contains(mail.seq(), ctx.max_seq);
      break;
    case SearchKeyType::kUidSet:
      r = k.set.contains(rec.uid, ctx.max_uid);
      break;
    case SearchKeyType::kBefore:
    case SearchKeyType::kOn:
    case SearchKeyType::kSince:
      if (k.date_type == SearchDateType::kSent) {
        r = match_sent_date(k, data);
      } else {
        int64_t date = k.date_type == SearchDateType::kSaved ? rec.save_date : rec.received_date;
        if (!k.utc_time) date += local_offset_seconds(date);
        r = compare_date(k.type, date, k.time);
      }
      break;
    case SearchKeyType::kSaveDateSupported:
      r = ctx.save_date_supported;
      break;
    case SearchKeyType::kLarger:
    case SearchKeyType::kSmaller: {
      uint64_t size = rec.virtual_size != 0 ? rec.virtual_size : rec.physical_size;
      r = k.type == SearchKeyType::kLarger ? size > k.size : size < k.size;
      break;
    }
    case SearchKeyType::kHeader:
    case SearchKeyType::kHeaderAddress:
    case SearchKeyType::kHeaderCompressLwsp:
      r = match_header_key(k, data);
      break;
    case SearchKeyType::kBody:
    case SearchKeyType::kText:
      // Dovecot treats an empty pattern as matching everything.
      r = k.str.empty() || contains_folded(data.text(k.type == SearchKeyType::kText), k.str);
      break;
    case SearchKeyType::kMailbox:
      r = ctx.mailbox_name == k.str ||
          (iequals(k.str, "INBOX") && iequals(ctx.mailbox_name, "INBOX"));
      break;
    case SearchKeyType::kMailboxGlob:
      r = mailbox_pattern_match(k.str, ctx.mailbox_name, ctx.hierarchy_separator);
      break;
    case SearchKeyType::kMailboxGuid:
      r = iequals(ctx.mailbox_guid, k.str);
      break;
    case SearchKeyType::kGuid:
      r = rec.guid == k.str;
      break;
    case SearchKeyType::kModseq:
      r = rec.modseq >= k.modseq;
      break;
    case SearchKeyType::kSub:
      r = true;
      for (const auto& c : k.children) {
        if (!eval(c, mail, ctx, data)) {
          r = false;
          break;
        }
      }
      break;
    case SearchKeyType::kOr:
      r = false;
      for (const auto& c : k.children) {
        if (eval(c, mail, ctx, data)) {
          r = true;
          break;
        }
      }
      break;
  }
  return k.negated ? !r : r;
}

// Three-valued evaluation with only mailbox keys known.
enum class Tri { kFalse, kTrue, kUnknown };

Tri eval_mailbox(const SearchKey& k, std::string_view name, std::string_view guid, char sep) {
  Tri r = Tri::kUnknown;
  switch (k.type) {
    case SearchKeyType::kAll:
      r = Tri::kTrue;
      break;
    case SearchKeyType::kMailbox:
      r = (name == k.str || (iequals(k.str, "INBOX") && iequals(name, "INBOX"))) ? Tri::kTrue
                                                                                  : Tri::kFalse;
      break;
    case SearchKeyType::kMailboxGlob:
      r = mailbox_pattern_match(k.str, name, sep) ? Tri::kTrue : Tri::kFalse;
      break;
    case SearchKeyType::kMailboxGuid:
      // An empty GUID means "not known yet": the caller asks again once it
      // has opened the mailbox.
      if (!guid.empty()) r = iequals(guid, k.str) ? Tri::kTrue : Tri::kFalse;
      break;
    case SearchKeyType::kSub: {
      r = Tri::kTrue;
      for (const auto& c : k.children) {
        Tri t = eval_mailbox(c, name, guid, sep);
        if (t == Tri::kFalse) {
          r = Tri::kFalse;
          break;
        }
        if (t == Tri::kUnknown) r = Tri::kUnknown;
      }
      break;
    }
    case SearchKeyType::kOr: {
      r = Tri::kFalse;
      for (const auto& c : k.children) {
        Tri t = eval_mailbox(c, name, guid, sep);
        if (t == Tri::kTrue) {
          r = Tri::kTrue;
          break;
        }
        if (t == Tri::kUnknown) r = Tri::kUnknown;
      }
      break;
    }
    default:
      break;
  }
  if (k.negated && r != Tri::kUnknown) r = r == Tri::kTrue ? Tri::kFalse : Tri::kTrue;
  return r;
}

bool glob(std::string_view p, std::string_view s, char sep, int& budget) {
  // Recursive on wildcards; a shared step budget keeps hostile patterns bounded.
  if (--budget < 0) return false;
  while (!p.empty()) {
    char c = p.front();
    if (c == '*' || c == '%') {
      p.remove_prefix(1);
      if (p.empty()) return c == '*' || s.find(sep) == std::string_view::npos;
      for (size_t i = 0; i <= s.size(); ++i) {
        if (glob(p, s.substr(i), sep, budget)) return true;
        if (i < s.size() && c == '%' && s[i] == sep) break;
      }
      return false;
    }
    if (s.empty() || s.front() != c) return false;
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

}  // namespace

std::string fold_case(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    unsigned char c = utf8[pos];
    if (c < 0x80) {
      out += static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
      ++pos;
      continue;
    }
    auto cp = utf8_next(utf8, pos);
    if (!cp) {
      out += static_cast<char>(c);
      ++pos;
      continue;
    }
    utf8_append(out, fold_cp(*cp));
  }
  return out;
}

bool contains_folded(std::string_view haystack, std::string_view needle_folded) {
  if (is_ascii(needle_folded)) return contains_ascii_icase(haystack, needle_folded);
  std::string folded = fold_case(haystack);
  return folded.find(needle_folded) != std::string::npos;
}

bool mailbox_pattern_match(std::string_view pattern, std::string_view name, char separator) {
  // INBOX and its children compare case-insensitively on the "INBOX" part.
  std::string p(pattern), n(name);
  auto fix_inbox = [&](std::string& s) {
    if (s.size() >= 5 && iequals(std::string_view(s).substr(0, 5), "INBOX") &&
        (s.size() == 5 || s[5] == separator)) {
      for (size_t i = 0; i < 5; ++i) s[i] = static_cast<char>(std::toupper(s[i]));
    }
  };
  fix_inbox(p);
  fix_inbox(n);
  int budget = 100000;
  return glob(p, n, separator, budget);
}

SearchMatcher::SearchMatcher(SearchQuery query) : query_(std::move(query)) {
  prepare(query_.root, needs_header_, needs_body_);
  if (needs_body_) needs_header_ = true;
}

bool SearchMatcher::may_match_mailbox(std::string_view name, std::string_view guid,
                                      char separator) const {
  return eval_mailbox(query_.root, name, guid, separator) != Tri::kFalse;
}

std::string SearchableMail::header_text() const {
  auto stream = open();
  return read_header_text(*stream);
}

bool SearchMatcher::matches(const SearchableMail& mail, const SearchContext& ctx) const {
  MessageData data(mail, needs_body_);
  return eval(query_.root, mail, ctx, data);
}

}  // namespace roost
