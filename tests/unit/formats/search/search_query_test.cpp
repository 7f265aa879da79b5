#include "formats/search/search_query.hpp"

#include <catch2/catch.hpp>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

using namespace roost;

namespace {

constexpr int64_t kNow = 1700000000;

std::string parsed(const std::string& query) {
  return describe(parse_search_query(split_ws(query), kNow).root);
}

// The message doveadm 2.3.19 prints ("Fatal: <message>") for a bad query,
// recorded from the real binary; doveadm exits with 75 in that case.
std::string error_of(const std::string& query) {
  try {
    parse_search_query(split_ws(query), kNow);
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitTempFail);
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("search query: keys, implicit AND, case-insensitivity", "[search]") {
  CHECK(parsed("ALL") == "(AND ALL)");
  CHECK(parsed("all") == "(AND ALL)");
  CHECK(parsed("seen Flagged") == "(AND SEEN FLAGGED)");
  CHECK(parsed("unseen") == "(AND (NOT SEEN))");
  CHECK(parsed("new") == "(AND (AND RECENT (NOT SEEN)))");
  CHECK(parsed("old") == "(AND (NOT RECENT))");
  CHECK(parsed("keyword $Label1 unkeyword foo") ==
        "(AND KEYWORD \"$Label1\" (NOT KEYWORD \"foo\"))");
  CHECK(parsed("subject hello from bob") ==
        "(AND HEADER SUBJECT \"hello\" HEADER FROM \"bob\")");
  CHECK(parsed("header x-spam yes") == "(AND HEADER X-SPAM \"yes\")");
  CHECK(parsed("body foo text bar") == "(AND BODY \"foo\" TEXT \"bar\")");
  CHECK(parsed("1:2") == "(AND SEQSET 1:2)");
  CHECK(parsed("1,3,5:*") == "(AND SEQSET 1,3,5:*)");
  CHECK(parsed("uid 100:125,200") == "(AND UID 100:125,200)");
  CHECK(parsed("mailbox INBOX") == "(AND MAILBOX \"INBOX\")");
  CHECK(parsed("mailbox INBOX/project-*") == "(AND MAILBOX-GLOB \"INBOX/project-*\")");
  CHECK(parsed("mailbox-guid abc guid def") == "(AND MAILBOX-GUID \"abc\" GUID \"def\")");
  CHECK(parsed("larger 50k smaller 1M") == "(AND LARGER 51200 SMALLER 1048576)");
  CHECK(parsed("savedatesupported") == "(AND SAVEDATESUPPORTED)");
  CHECK(parsed("modseq 5") == "(AND MODSEQ 5)");
}

TEST_CASE("search query: OR, NOT and parentheses follow doveadm", "[search]") {
  // doveadm 2.3.19 only really supports infix OR; the prefix form is
  // rejected by the real binary ("Use parenthesis when mixing ANDs and ORs").
  CHECK(error_of("OR seen flagged") == "Use parenthesis when mixing ANDs and ORs");
  CHECK(error_of("NOT OR seen flagged") == "Use parenthesis when mixing ANDs and ORs");
  CHECK(parsed("all OR seen") == "(OR ALL SEEN)");
  CHECK(parsed("seen OR flagged") == "(OR SEEN FLAGGED)");
  CHECK(parsed("seen OR flagged OR deleted") == "(OR SEEN FLAGGED DELETED)");
  // doveadm turns the whole list into an OR list once OR appears after plain keys.
  CHECK(parsed("seen flagged OR deleted") == "(OR SEEN FLAGGED DELETED)");
  CHECK(parsed("NOT seen") == "(AND (NOT SEEN))");
  CHECK(parsed("NOT NOT seen") == "(AND SEEN)");
  CHECK(parsed("( seen OR flagged ) deleted") == "(AND (OR SEEN FLAGGED) DELETED)");
  CHECK(parsed("NOT ( seen flagged )") == "(AND (NOT (AND SEEN FLAGGED)))");
  // Roost extension: parentheses glued to words.
  CHECK(parsed("(seen OR flagged) deleted") == "(AND (OR SEEN FLAGGED) DELETED)");
  CHECK(parsed("(subject foo)") == "(AND (AND HEADER SUBJECT \"foo\"))");
}

TEST_CASE("search query: errors use doveadm's messages", "[search]") {
  CHECK(error_of("FOO") == "Unknown argument FOO");
  CHECK(error_of("( seen") == "Missing ')'");
  CHECK(error_of("seen )") == "Unexpected ')'");
  CHECK(error_of("seen OR flagged all") == "Use parenthesis when mixing ANDs and ORs");
  CHECK(error_of("before") == "Missing parameter for search key (for search key: BEFORE)");
  CHECK(error_of("before 10x") == "Invalid search date parameter: 10x");
  CHECK(error_of("uid 0") == "Invalid UID messageset");
  CHECK(error_of("0") == "Invalid messageset");
  CHECK(error_of("( )") == "No search parameters inside list");
  CHECK(error_of("larger 10x") == "Invalid size: 10x");
  CHECK(error_of("larger 99999999999999999T") == "Size is too large: 99999999999999999T");
  CHECK(error_of("NOT") == "Missing argument");
  CHECK(error_of("mailbox \xff") == "Mailbox name not valid UTF-8: \xff");
  CHECK_THROWS_MATCHES(parse_search_query({}, kNow), Error,
                       Catch::Predicate<Error>([](const Error& e) {
                         return e.exit_code() == kExitUsage;
                       }));
}

TEST_CASE("search query: date forms", "[search]") {
  int64_t t;
  bool utc;
  REQUIRE(parse_search_date("13-Apr-2013", kNow, t, utc));
  CHECK(t == 1365811200);
  CHECK_FALSE(utc);
  REQUIRE(parse_search_date("3-apr-2013", kNow, t, utc));
  CHECK(t == 1364947200);
  REQUIRE(parse_search_date("1365811200", kNow, t, utc));
  CHECK(t == 1365811200);
  CHECK(utc);
  REQUIRE(parse_search_date("30d", kNow, t, utc));
  CHECK(t == kNow - 30 * 86400);
  CHECK(utc);
  REQUIRE(parse_search_date("2w", kNow, t, utc));
  CHECK(t == kNow - 14 * 86400);
  REQUIRE(parse_search_date("1weeks", kNow, t, utc));
  CHECK(t == kNow - 7 * 86400);
  REQUIRE(parse_search_date("7days", kNow, t, utc));
  CHECK(t == kNow - 7 * 86400);
  REQUIRE(parse_search_date("4hours", kNow, t, utc));
  CHECK(t == kNow - 4 * 3600);
  REQUIRE(parse_search_date("30mins", kNow, t, utc));
  CHECK(t == kNow - 1800);
  REQUIRE(parse_search_date("10secs", kNow, t, utc));
  CHECK(t == kNow - 10);
  REQUIRE(parse_search_date("2023-04-03", kNow, t, utc));
  CHECK_FALSE(utc);
  CHECK_FALSE(parse_search_date("10x", kNow, t, utc));
  CHECK_FALSE(parse_search_date("3-Foo-2013", kNow, t, utc));
  CHECK_FALSE(parse_search_date("", kNow, t, utc));
  CHECK_FALSE(parse_search_date("10dayz", kNow, t, utc));
}

TEST_CASE("search query: size forms", "[search]") {
  uint64_t s;
  REQUIRE(parse_search_size("100", s));
  CHECK(s == 100);
  REQUIRE(parse_search_size("100B", s));
  CHECK(s == 100);
  REQUIRE(parse_search_size("50K", s));
  CHECK(s == 51200);
  REQUIRE(parse_search_size("50kiB", s));
  CHECK(s == 51200);
  REQUIRE(parse_search_size("2G", s));
  CHECK(s == 2147483648ULL);
  REQUIRE(parse_search_size("1T", s));
  CHECK(s == 1099511627776ULL);
  CHECK_FALSE(parse_search_size("k", s));
  CHECK_FALSE(parse_search_size("5x", s));
  CHECK_FALSE(parse_search_size("5kx", s));
}
