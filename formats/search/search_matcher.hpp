#pragma once
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "formats/model/message.hpp"
#include "formats/search/search_query.hpp"

namespace roost {

// What the matcher needs from one message. Index data comes from record();
// open() is called only when a key needs the message text, at most once per
// match() call.
class SearchableMail {
 public:
  virtual ~SearchableMail() = default;
  virtual const MessageRecord& record() const = 0;
  virtual uint32_t seq() const = 0;
  // The whole message (as stored, LF or CRLF line endings).
  virtual std::unique_ptr<std::istream> open() const = 0;
  // The header block (up to and including the empty line). Storages with a
  // header cache override this so header keys never open the message.
  virtual std::string header_text() const;
};

// Per-mailbox context of a search.
struct SearchContext {
  std::string mailbox_name;  // UTF-8, '/' separated
  std::string mailbox_guid;  // 32 hex digits
  char hierarchy_separator = '/';
  uint32_t max_seq = 0;      // value of '*' in sequence sets
  uint32_t max_uid = 0;      // value of '*' in UID sets
  bool save_date_supported = true;
};

// Evaluates a parsed query against messages. Keys are reordered so that
// index-only keys are checked first and the message is opened only when
// they cannot decide; header-only queries read the message up to the end of
// the header.
class SearchMatcher {
 public:
  explicit SearchMatcher(SearchQuery query);

  // False when no message of mailbox `name`/`guid` can match (MAILBOX,
  // MAILBOX-GUID keys), so callers can skip the mailbox entirely. An empty
  // `guid` means not known yet (decided by name only).
  bool may_match_mailbox(std::string_view name, std::string_view guid,
                         char separator = '/') const;
  // Whether matching may need to read the header / the whole message.
  bool needs_header() const { return needs_header_; }
  bool needs_body() const { return needs_body_; }
  bool stop_on_nonmatch() const { return query_.stop_on_nonmatch; }

  // Throws roost::Error only when open() does.
  bool matches(const SearchableMail& mail, const SearchContext& ctx) const;

  const SearchQuery& query() const { return query_; }

 private:
  SearchQuery query_;
  bool needs_header_ = false;
  bool needs_body_ = false;
};

// Mailbox pattern match: '*' matches anything, '%' anything but the
// hierarchy separator. INBOX is matched case-insensitively.
bool mailbox_pattern_match(std::string_view pattern, std::string_view name, char separator);

// Case-insensitive substring search on UTF-8 text (ASCII and common Latin,
// Greek and Cyrillic letters are folded). `needle_folded` must come from
// fold_case().
bool contains_folded(std::string_view haystack, std::string_view needle_folded);
std::string fold_case(std::string_view utf8);

}  // namespace roost
