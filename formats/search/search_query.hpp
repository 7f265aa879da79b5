#pragma once
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "lib/imap/sequence_set.hpp"

namespace roost {

// The doveadm search-query language (doveadm-search-query(7)), parsed from
// command-line words into a tree. Semantics follow Dovecot 2.3's "human"
// search register: IMAP SEARCH keys plus dates in several forms, sizes with
// units, MAILBOX/MAILBOX-GUID/GUID, and OR usable both as prefix and infix.

enum class SearchKeyType {
  kAll,
  kFlags,          // `flags` bits (kFlagSeen...) all set
  kKeyword,        // `str` keyword set
  kSeqSet,         // `set` over message sequence numbers
  kUidSet,         // `set` over UIDs
  kBefore,         // date < time
  kOn,             // time <= date < time + 1 day
  kSince,          // date >= time
  kSaveDateSupported,
  kLarger,         // virtual size > size
  kSmaller,        // virtual size < size
  kHeader,         // HEADER <header_name> <str>; empty str = header exists
  kHeaderAddress,  // FROM/TO/CC/BCC: match against the normalized address list
  kHeaderCompressLwsp,  // SUBJECT: whitespace runs compressed to one space
  kBody,           // decoded body text, headers skipped
  kText,           // decoded headers + body
  kMailbox,        // exact mailbox name (UTF-8)
  kMailboxGlob,    // mailbox name pattern with '*' and '%'
  kMailboxGuid,
  kGuid,           // message GUID
  kModseq,         // modseq >= number
  kSub,            // all children must match (AND)
  kOr,             // any child matches
};

enum class SearchDateType { kReceived, kSent, kSaved };

struct SearchKey {
  SearchKeyType type = SearchKeyType::kAll;
  bool negated = false;

  uint8_t flags = 0;
  std::string str;          // keyword, pattern, mailbox name, GUID
  std::string header_name;  // upper case, for header keys
  SequenceSet set;
  // Dates: unix seconds. When `utc_time` is false the key is day-granular
  // (IMAP semantics): message dates are shifted by their timezone offset
  // (local time for internal/save dates, the Date: header's zone for sent
  // dates) before comparing.
  int64_t time = 0;
  bool utc_time = false;
  SearchDateType date_type = SearchDateType::kReceived;
  uint64_t size = 0;
  uint64_t modseq = 0;
  std::vector<SearchKey> children;  // kSub / kOr
};

struct SearchQuery {
  // Always kSub (implicit AND) or kOr at the top.
  SearchKey root;
  // OLDESTONLY: stop at the first non-matching message.
  bool stop_on_nonmatch = false;
};

// Parses command-line words. `now` is used for relative dates ("30d").
// Throws Error(kExitUsage) for an empty query and Error(kExitTempFail) for
// an invalid one (doveadm ends with exit code 75 on a bad query) with
// doveadm's own wording, e.g. "Unknown argument FOO".
//
// Besides doveadm's syntax, a '(' glued to the start of a key word and ')'
// glued to the end of a word inside parentheses are split off ("(seen",
// "flagged)"), which doveadm itself rejects.
SearchQuery parse_search_query(const std::vector<std::string>& words, int64_t now);

// Date forms accepted by date keys: yyyy-mm-dd (local midnight), dd-Mon-yyyy
// (UTC midnight, day-granular), unix timestamp, interval before `now`
// ("30d", "2 weeks", "4hours"). Returns false if none applies.
bool parse_search_date(std::string_view text, int64_t now, int64_t& time, bool& utc);
// Sizes: digits with an optional B/k/M/G/T unit (1024-based), "ki"/"kiB" too.
bool parse_search_size(std::string_view text, uint64_t& size);

// Renders the tree for debugging and tests, e.g. "(OR SEEN (NOT FLAGGED))".
std::string describe(const SearchKey& key);

}  // namespace roost
