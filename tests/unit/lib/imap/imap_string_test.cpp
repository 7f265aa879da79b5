#include "lib/imap/imap_string.hpp"

#include <catch2/catch.hpp>

#include "lib/error.hpp"
#include "lib/imap/sequence_set.hpp"

using roost::imap_quote;
using roost::SequenceSet;

TEST_CASE("imap_quote writes quoted strings, literals and NIL", "[imap]") {
  CHECK(imap_quote(std::nullopt) == "NIL");
  CHECK(imap_quote("") == "\"\"");
  CHECK(imap_quote("hello world") == "\"hello world\"");
  CHECK(imap_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(imap_quote("line1\r\nline2") == "{12}\r\nline1\r\nline2");
  CHECK(imap_quote("caf\xC3\xA9") == "{5}\r\ncaf\xC3\xA9");
  CHECK(imap_quote("\"\"\"\"") == "\"\\\"\\\"\\\"\\\"\"");
  CHECK(imap_quote("\"\"\"\"\"") == "{5}\r\n\"\"\"\"\"");
  std::string out;
  roost::imap_append_quote_nolf(out, std::string_view("a\r\n b\r\nc"));
  CHECK(out == "\"a b c\"");
  CHECK(roost::imap_astring("INBOX") == "INBOX");
  CHECK(roost::imap_astring("nil") == "\"nil\"");
  CHECK(roost::imap_astring("a b") == "\"a b\"");
  CHECK(roost::imap_astring("") == "\"\"");
}

TEST_CASE("SequenceSet parses and matches", "[imap]") {
  auto s = SequenceSet::parse("1,3:5,7:*");
  CHECK(s.contains(1, 10));
  CHECK_FALSE(s.contains(2, 10));
  CHECK(s.contains(4, 10));
  CHECK_FALSE(s.contains(6, 10));
  CHECK(s.contains(7, 10));
  CHECK(s.contains(10, 10));
  CHECK_FALSE(s.contains(11, 10));
  CHECK(s.to_string() == "1,3:5,7:*");
  CHECK(SequenceSet::parse("5:2").contains(3, 10));
  CHECK(SequenceSet::parse("*").contains(9, 9));
  CHECK_FALSE(SequenceSet::parse("*").contains(8, 9));
  // "*:5" with max 3 covers 3..5.
  CHECK(SequenceSet::parse("*:5").contains(4, 3));
  for (const char* bad : {"", "0", "1,", ",1", "1::2", "a", "1:", "4294967296", "1:2:3"}) {
    CHECK_THROWS_AS(SequenceSet::parse(bad), roost::Error);
    CHECK_FALSE(SequenceSet::looks_like(bad));
  }
  CHECK(SequenceSet::looks_like("1:2"));
}
