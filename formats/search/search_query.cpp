#include "formats/search/search_query.hpp"

#include <cctype>
#include <climits>

#include "formats/model/flags.hpp"
#include "lib/error.hpp"
#include "lib/imap/mutf7.hpp"
#include "lib/imap/utf8.hpp"
#include "lib/strutil.hpp"

namespace roost {
namespace {

// doveadm dies with i_fatal() on a bad query, which ends the process with 75.
[[noreturn]] void query_error(const std::string& message) {
  throw Error(kExitTempFail, message);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Leading unsigned decimal number; returns the rest. False on no digits or overflow.
bool parse_leading_uint(std::string_view s, uint64_t& num, std::string_view& rest) {
  size_t i = 0;
  num = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (num > (UINT64_MAX - d) / 10) return false;
    num = num * 10 + d;
    ++i;
  }
  if (i == 0) return false;
  rest = s.substr(i);
  return true;
}

bool parse_size(std::string_view text, uint64_t& size, bool& overflow);

// True when `unit` is a non-empty case-insensitive prefix of `word`.
bool unit_prefix_of(std::string_view unit, std::string_view word) {
  return !unit.empty() && unit.size() <= word.size() && istarts_with(word, unit);
}

bool parse_interval(std::string_view text, uint64_t& secs) {
  uint64_t num;
  std::string_view p;
  if (!parse_leading_uint(text, num, p)) return false;
  while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
  if (p.empty() && num != 0) return false;  // units are required
  uint64_t multiply = 1;
  if (!p.empty()) {
    switch (std::toupper(static_cast<unsigned char>(p.front()))) {
      case 'S':
        if (unit_prefix_of(p, "secs") || unit_prefix_of(p, "seconds")) p = {};
        break;
      case 'M':
        multiply = 60;
        if (unit_prefix_of(p, "mins") || unit_prefix_of(p, "minutes")) {
          p = {};
        } else if (unit_prefix_of(p, "msecs") || unit_prefix_of(p, "mseconds") ||
                   unit_prefix_of(p, "millisecs") || unit_prefix_of(p, "milliseconds")) {
          if (num % 1000 != 0) return false;
          num /= 1000;
          multiply = 1;
          p = {};
        }
        break;
      case 'H':
        multiply = 3600;
        if (unit_prefix_of(p, "hours")) p = {};
        break;
      case 'D':
        multiply = 86400;
        if (unit_prefix_of(p, "days")) p = {};
        break;
      case 'W':
        multiply = 7 * 86400;
        if (unit_prefix_of(p, "weeks")) p = {};
        break;
      default:
        break;
    }
  }
  if (!p.empty()) return false;
  if (num > UINT_MAX / multiply) return false;
  secs = num * multiply;
  return true;
}

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// dd-Mon-yyyy (day may be 1 digit or start with a space) -> UTC midnight.
bool parse_imap_date(std::string_view s, int64_t& time) {
  if (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  auto digit = [&](size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  if (!digit(0)) return false;
  int day = s[0] - '0';
  size_t i = 1;
  if (digit(1)) {
    day = day * 10 + (s[1] - '0');
    i = 2;
  }
  if (i >= s.size() || s[i] != '-') return false;
  s.remove_prefix(i + 1);
  if (s.size() != 8 || s[3] != '-') return false;
  int mon = -1;
  for (int m = 0; m < 12; ++m) {
    if (iequals(s.substr(0, 3), kMonths[m])) mon = m;
  }
  if (mon < 0) return false;
  for (size_t k = 4; k < 8; ++k) {
    if (!digit(k)) return false;
  }
  int year = (s[4] - '0') * 1000 + (s[5] - '0') * 100 + (s[6] - '0') * 10 + (s[7] - '0');
  struct tm tm = {};
  tm.tm_mday = day;
  tm.tm_mon = mon;
  tm.tm_year = year - 1900;
  time = static_cast<int64_t>(timegm(&tm));
  return true;
}

class QueryParser {
 public:
  QueryParser(const std::vector<std::string>& words, int64_t now) : words_(words), now_(now) {}

  SearchQuery parse() {
    SearchQuery query;
    query.root = build_list();
    query.stop_on_nonmatch = stop_on_nonmatch_;
    return query;
  }

 private:
  enum class KeyKind { kEnd, kKey, kList };

  // Splits glued parentheses off the current word (Roost extension).
  void split_glued_close() {
    if (pos_ >= words_.size() || list_level_ == 0) return;
    std::string& w = words_[pos_];
    if (w.size() > 1 && w.back() == ')') {
      w.pop_back();
      words_.insert(words_.begin() + static_cast<long>(pos_) + 1, ")");
    }
  }

  KeyKind next_key(std::string& key) {
    if (pos_ >= words_.size()) {
      if (list_level_ != 0) query_error("Missing ')'");
      return KeyKind::kEnd;
    }
    std::string& w = words_[pos_];
    if (w.size() > 1 && w.front() == '(') {
      w.erase(0, 1);
      ++list_level_;
      return KeyKind::kList;
    }
    if (w == "(") {
      ++list_level_;
      ++pos_;
      return KeyKind::kList;
    }
    if (w == ")") {
      if (list_level_ == 0) query_error("Unexpected ')'");
      --list_level_;
      ++pos_;
      return KeyKind::kEnd;
    }
    split_glued_close();
    key = words_[pos_++];
    cur_key_ = to_upper(key);
    return KeyKind::kKey;
  }

  std::string next_string() {
    split_glued_close();
    if (pos_ >= words_.size()) {
      query_error("Missing parameter for search key (for search key: " + cur_key_ + ")");
    }
    return words_[pos_++];
  }

  bool skip_next(std::string_view word) {
    if (pos_ < words_.size() && iequals(words_[pos_], word)) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Builds one key into `out`. `parent_type` is the type of the list being
  // built; the infix/prefix OR turns it into kOr. Returns false at the end
  // of the list.
  bool build_key_int(SearchKeyType& parent_type, SearchKey& out) {
    std::string key;
    KeyKind kind = next_key(key);
    if (kind == KeyKind::kEnd) return false;
    if (kind == KeyKind::kList) {
      out = build_list();
      if (out.children.empty()) query_error("No search parameters inside list");
      return true;
    }
    build_registered(to_upper(key), parent_type, out);
    return true;
  }

  void build_key(SearchKeyType& parent_type, SearchKey& out) {
    if (!build_key_int(parent_type, out)) query_error("Missing argument");
  }

  SearchKey build_list() {
    SearchKey list;
    list.type = SearchKeyType::kSub;
    SearchKeyType cur_type = SearchKeyType::kSub;
    for (;;) {
      SearchKeyType node_type = SearchKeyType::kSub;
      SearchKey child;
      if (!build_key_int(node_type, child)) break;
      if (node_type != cur_type) {
        if (cur_type == SearchKeyType::kSub) {
          cur_type = node_type;
        } else {
          query_error("Use parenthesis when mixing ANDs and ORs");
        }
      }
      list.children.push_back(std::move(child));
    }
    list.type = cur_type;
    return list;
  }

  void build_date(SearchKeyType type, SearchDateType date_type, SearchKey& out) {
    std::string value = next_string();
    out.type = type;
    out.date_type = date_type;
    if (!parse_search_date(value, now_, out.time, out.utc_time)) {
      query_error("Invalid search date parameter: " + value);
    }
  }

  void build_size(SearchKeyType type, SearchKey& out) {
    std::string value = next_string();
    out.type = type;
    bool overflow = false;
    if (!parse_size(value, out.size, overflow)) {
      query_error((overflow ? "Size is too large: " : "Invalid size: ") + value);
    }
  }

  void build_header(std::string name, SearchKeyType type, SearchKey& out) {
    out.type = type;
    out.header_name = std::move(name);
    out.str = next_string();
    if (!utf8_valid(out.str)) query_error("Search string not valid UTF-8: " + out.str);
  }

  void build_flag(uint8_t flag, bool negated, SearchKey& out) {
    out.type = SearchKeyType::kFlags;
    out.flags = flag;
    out.negated = negated;
  }

  void build_interval(SearchKeyType type, SearchKey& out) {
    std::string value = next_string();
    auto secs = parse_u32(value);
    if (!secs || *secs == 0) query_error("Invalid search interval parameter");
    out.type = type;
    out.utc_time = true;
    out.date_type = SearchDateType::kReceived;
    out.time = now_ - static_cast<int64_t>(*secs);
  }

  void build_registered(const std::string& key, SearchKeyType& parent_type, SearchKey& out) {
    if (key == "OR") {
      parent_type = SearchKeyType::kOr;
      build_key(parent_type, out);
    } else if (key == "NOT") {
      build_key(parent_type, out);
      out.negated = !out.negated;
    } else if (key == "ALL") {
      out.type = SearchKeyType::kAll;
    } else if (key == "UID") {
      std::string value = next_string();
      out.type = SearchKeyType::kUidSet;
      try {
        out.set = SequenceSet::parse(value);
      } catch (const Error&) {
        query_error("Invalid UID messageset");
      }
    } else if (key == "ANSWERED") {
      build_flag(kFlagAnswered, false, out);
    } else if (key == "UNANSWERED") {
      build_flag(kFlagAnswered, true, out);
    } else if (key == "DELETED") {
      build_flag(kFlagDeleted, false, out);
    } else if (key == "UNDELETED") {
      build_flag(kFlagDeleted, true, out);
    } else if (key == "DRAFT") {
      build_flag(kFlagDraft, false, out);
    } else if (key == "UNDRAFT") {
      build_flag(kFlagDraft, true, out);
    } else if (key == "FLAGGED") {
      build_flag(kFlagFlagged, false, out);
    } else if (key == "UNFLAGGED") {
      build_flag(kFlagFlagged, true, out);
    } else if (key == "SEEN") {
      build_flag(kFlagSeen, false, out);
    } else if (key == "UNSEEN") {
      build_flag(kFlagSeen, true, out);
    } else if (key == "RECENT") {
      build_flag(kFlagRecent, false, out);
    } else if (key == "OLD") {
      build_flag(kFlagRecent, true, out);
    } else if (key == "NEW") {
      // NEW is RECENT UNSEEN.
      out.type = SearchKeyType::kSub;
      SearchKey recent, unseen;
      build_flag(kFlagRecent, false, recent);
      build_flag(kFlagSeen, true, unseen);
      out.children.push_back(recent);
      out.children.push_back(unseen);
    } else if (key == "KEYWORD" || key == "UNKEYWORD") {
      out.type = SearchKeyType::kKeyword;
      out.str = next_string();
      out.negated = key == "UNKEYWORD";
    } else if (key == "BEFORE") {
      build_date(SearchKeyType::kBefore, SearchDateType::kReceived, out);
    } else if (key == "ON") {
      build_date(SearchKeyType::kOn, SearchDateType::kReceived, out);
    } else if (key == "SINCE") {
      build_date(SearchKeyType::kSince, SearchDateType::kReceived, out);
    } else if (key == "SENTBEFORE") {
      build_date(SearchKeyType::kBefore, SearchDateType::kSent, out);
    } else if (key == "SENTON") {
      build_date(SearchKeyType::kOn, SearchDateType::kSent, out);
    } else if (key == "SENTSINCE") {
      build_date(SearchKeyType::kSince, SearchDateType::kSent, out);
    } else if (key == "SAVEDBEFORE" || key == "X-SAVEDBEFORE") {
      build_date(SearchKeyType::kBefore, SearchDateType::kSaved, out);
    } else if (key == "SAVEDON" || key == "X-SAVEDON") {
      build_date(SearchKeyType::kOn, SearchDateType::kSaved, out);
    } else if (key == "SAVEDSINCE" || key == "X-SAVEDSINCE") {
      build_date(SearchKeyType::kSince, SearchDateType::kSaved, out);
    } else if (key == "SAVEDATESUPPORTED") {
      out.type = SearchKeyType::kSaveDateSupported;
    } else if (key == "LARGER") {
      build_size(SearchKeyType::kLarger, out);
    } else if (key == "SMALLER") {
      build_size(SearchKeyType::kSmaller, out);
    } else if (key == "BCC" || key == "CC" || key == "FROM" || key == "TO") {
      build_header(key, SearchKeyType::kHeaderAddress, out);
    } else if (key == "SUBJECT") {
      build_header(key, SearchKeyType::kHeaderCompressLwsp, out);
    } else if (key == "HEADER") {
      std::string name = next_string();
      if (!utf8_valid(name)) query_error("Search string not valid UTF-8: " + name);
      build_header(to_upper(name), SearchKeyType::kHeader, out);
    } else if (key == "BODY" || key == "TEXT") {
      out.type = key == "BODY" ? SearchKeyType::kBody : SearchKeyType::kText;
      out.str = next_string();
      if (!utf8_valid(out.str)) query_error("Search string not valid UTF-8: " + out.str);
    } else if (key == "OLDER") {
      build_interval(SearchKeyType::kBefore, out);
      out.time++;  // OLDER matches "<=", BEFORE compares with "<"
    } else if (key == "YOUNGER") {
      build_interval(SearchKeyType::kSince, out);
    } else if (key == "MODSEQ") {
      std::string value = next_string();
      if (istarts_with(value, "/flags/")) {
        std::string type = next_string();
        if (!iequals(type, "all") && !iequals(type, "priv") && !iequals(type, "shared")) {
          query_error("Invalid MODSEQ type");
        }
        value = next_string();
      }
      auto modseq = parse_u64(value);
      if (!modseq) query_error("Invalid MODSEQ value");
      out.type = SearchKeyType::kModseq;
      out.modseq = *modseq;
    } else if (key == "GUID" || key == "X-GUID") {
      out.type = SearchKeyType::kGuid;
      out.str = next_string();
    } else if (key == "MAILBOX") {
      out.str = next_string();
      out.type = out.str.find_first_of("*%") != std::string::npos ? SearchKeyType::kMailboxGlob
                                                                   : SearchKeyType::kMailbox;
      if (!utf8_valid(out.str)) query_error("Mailbox name not valid UTF-8: " + out.str);
    } else if (key == "X-MAILBOX") {
      std::string value = next_string();
      out.type = SearchKeyType::kMailboxGlob;
      try {
        out.str = mutf7_decode(value);
      } catch (const Error&) {
        query_error("X-MAILBOX name not mUTF-7");
      }
    } else if (key == "MAILBOX-GUID") {
      out.type = SearchKeyType::kMailboxGuid;
      out.str = next_string();
    } else if (key == "OLDESTONLY") {
      stop_on_nonmatch_ = true;
      out.type = SearchKeyType::kAll;
    } else if (key == "FUZZY") {
      // Without a full-text index fuzzy matching is plain matching.
      build_key(parent_type, out);
    } else if (!key.empty() && (key[0] == '*' || (key[0] >= '0' && key[0] <= '9'))) {
      out.type = SearchKeyType::kSeqSet;
      try {
        out.set = SequenceSet::parse(key);
      } catch (const Error&) {
        query_error("Invalid messageset");
      }
    } else {
      query_error("Unknown argument " + key);
    }
  }

  std::vector<std::string> words_;
  size_t pos_ = 0;
  unsigned list_level_ = 0;
  int64_t now_;
  std::string cur_key_;
  bool stop_on_nonmatch_ = false;
};

const char* type_name(SearchKeyType t) {
  switch (t) {
    case SearchKeyType::kAll: return "ALL";
    case SearchKeyType::kFlags: return "FLAGS";
    case SearchKeyType::kKeyword: return "KEYWORD";
    case SearchKeyType::kSeqSet: return "SEQSET";
    case SearchKeyType::kUidSet: return "UID";
    case SearchKeyType::kBefore: return "BEFORE";
    case SearchKeyType::kOn: return "ON";
    case SearchKeyType::kSince: return "SINCE";
    case SearchKeyType::kSaveDateSupported: return "SAVEDATESUPPORTED";
    case SearchKeyType::kLarger: return "LARGER";
    case SearchKeyType::kSmaller: return "SMALLER";
    case SearchKeyType::kHeader: return "HEADER";
    case SearchKeyType::kHeaderAddress: return "ADDRESS";
    case SearchKeyType::kHeaderCompressLwsp: return "HEADER-LWSP";
    case SearchKeyType::kBody: return "BODY";
    case SearchKeyType::kText: return "TEXT";
    case SearchKeyType::kMailbox: return "MAILBOX";
    case SearchKeyType::kMailboxGlob: return "MAILBOX-GLOB";
    case SearchKeyType::kMailboxGuid: return "MAILBOX-GUID";
    case SearchKeyType::kGuid: return "GUID";
    case SearchKeyType::kModseq: return "MODSEQ";
    case SearchKeyType::kSub: return "AND";
    case SearchKeyType::kOr: return "OR";
  }
  return "?";
}

const char* flag_name(uint8_t f) {
  switch (f) {
    case kFlagAnswered: return "ANSWERED";
    case kFlagFlagged: return "FLAGGED";
    case kFlagDeleted: return "DELETED";
    case kFlagSeen: return "SEEN";
    case kFlagDraft: return "DRAFT";
    case kFlagRecent: return "RECENT";
    default: return "FLAGS";
  }
}

const char* date_type_prefix(SearchDateType t) {
  switch (t) {
    case SearchDateType::kReceived: return "";
    case SearchDateType::kSent: return "SENT";
    case SearchDateType::kSaved: return "SAVED";
  }
  return "";
}

}  // namespace

bool parse_search_date(std::string_view text, int64_t now, int64_t& time, bool& utc) {
  auto d = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() == 10 && d(0) && d(1) && d(2) && d(3) && text[4] == '-' && d(5) && d(6) &&
      text[7] == '-' && d(8) && d(9)) {
    // yyyy-mm-dd is local midnight, like doveadm (mktime, no DST).
    struct tm tm = {};
    tm.tm_year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 +
                 (text[3] - '0') - 1900;
    tm.tm_mon = (text[5] - '0') * 10 + (text[6] - '0') - 1;
    tm.tm_mday = (text[8] - '0') * 10 + (text[9] - '0');
    tm.tm_isdst = 0;
    time = static_cast<int64_t>(mktime(&tm));
    utc = false;
    return true;
  }
  if (parse_imap_date(text, time)) {
    utc = false;
    return true;
  }
  std::string_view num = text;
  if (!num.empty() && num.front() == '-') num.remove_prefix(1);
  if (all_digits(num) && num.size() <= 18) {
    int64_t v = 0;
    for (char c : num) v = v * 10 + (c - '0');
    time = text.front() == '-' ? -v : v;
    utc = true;
    return true;
  }
  uint64_t secs;
  if (parse_interval(text, secs)) {
    time = now - static_cast<int64_t>(secs);
    utc = true;
    return true;
  }
  return false;
}

bool parse_search_size(std::string_view text, uint64_t& size) {
  bool overflow;
  return parse_size(text, size, overflow);
}

namespace {

bool parse_size(std::string_view text, uint64_t& size, bool& overflow) {
  overflow = false;
  uint64_t num;
  std::string_view p;
  if (!parse_leading_uint(text, num, p)) return false;
  while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
  uint64_t multiply = 1;
  if (!p.empty()) {
    switch (std::toupper(static_cast<unsigned char>(p.front()))) {
      case 'B': multiply = 1; p.remove_prefix(1); break;
      case 'K': multiply = 1ULL << 10; p.remove_prefix(1); break;
      case 'M': multiply = 1ULL << 20; p.remove_prefix(1); break;
      case 'G': multiply = 1ULL << 30; p.remove_prefix(1); break;
      case 'T': multiply = 1ULL << 40; p.remove_prefix(1); break;
      default: break;
    }
  }
  if (multiply > 1) {
    if (!p.empty() && (p.front() == 'i' || p.front() == 'I')) p.remove_prefix(1);
    if (!p.empty() && (p.front() == 'b' || p.front() == 'B')) p.remove_prefix(1);
  }
  if (!p.empty()) return false;
  if (num > UINT64_MAX / multiply) {
    overflow = true;
    return false;
  }
  size = num * multiply;
  return true;
}

}  // namespace

SearchQuery parse_search_query(const std::vector<std::string>& words, int64_t now) {
  if (words.empty()) {
    throw Error(kExitUsage, "search query is missing: give at least one search key, e.g. ALL");
  }
  QueryParser parser(words, now);
  return parser.parse();
}

std::string describe(const SearchKey& key) {
  std::string inner;
  switch (key.type) {
    case SearchKeyType::kSub:
    case SearchKeyType::kOr: {
      inner = key.type == SearchKeyType::kOr ? "OR" : "AND";
      for (const auto& c : key.children) inner += " " + describe(c);
      inner = "(" + inner + ")";
      break;
    }
    case SearchKeyType::kFlags:
      inner = flag_name(key.flags);
      break;
    case SearchKeyType::kKeyword:
    case SearchKeyType::kBody:
    case SearchKeyType::kText:
    case SearchKeyType::kMailbox:
    case SearchKeyType::kMailboxGlob:
    case SearchKeyType::kMailboxGuid:
    case SearchKeyType::kGuid:
      inner = std::string(type_name(key.type)) + " \"" + key.str + "\"";
      break;
    case SearchKeyType::kHeader:
    case SearchKeyType::kHeaderAddress:
    case SearchKeyType::kHeaderCompressLwsp:
      inner = "HEADER " + key.header_name + " \"" + key.str + "\"";
      break;
    case SearchKeyType::kSeqSet:
    case SearchKeyType::kUidSet:
      inner = std::string(type_name(key.type)) + " " + key.set.to_string();
      break;
    case SearchKeyType::kBefore:
    case SearchKeyType::kOn:
    case SearchKeyType::kSince:
      inner = std::string(date_type_prefix(key.date_type)) + type_name(key.type) + " " +
              std::to_string(key.time) + (key.utc_time ? "" : "/day");
      break;
    case SearchKeyType::kLarger:
    case SearchKeyType::kSmaller:
      inner = std::string(type_name(key.type)) + " " + std::to_string(key.size);
      break;
    case SearchKeyType::kModseq:
      inner = "MODSEQ " + std::to_string(key.modseq);
      break;
    default:
      inner = type_name(key.type);
      break;
  }
  return key.negated ? "(NOT " + inner + ")" : inner;
}

}  // namespace roost
