#include <catch2/catch.hpp>

#include "lib/strutil.hpp"

using namespace roost;

TEST_CASE("tab escaping round-trips every special byte", "[lib][strutil]") {
  std::string s = std::string("a\tb\rc\nd\001e");
  CHECK(tab_escape(s) == "a\001tb\001rc\001nd\0011e");
  CHECK(tab_unescape(tab_escape(s)) == s);
}

TEST_CASE("strict number parsing rejects junk", "[lib][strutil]") {
  CHECK(parse_u32("123") == 123u);
  CHECK_FALSE(parse_u32("12a"));
  CHECK_FALSE(parse_u32(""));
  CHECK_FALSE(parse_u32("4294967296"));
  CHECK(parse_u64("4294967296") == 4294967296ull);
}

TEST_CASE("wildcards match like a shell", "[lib][strutil]") {
  CHECK(wildcard_match("*@example.com", "alice@example.com"));
  CHECK_FALSE(wildcard_match("*@example.com", "alice@example.org"));
  CHECK(wildcard_match("u?", "u1"));
  CHECK(wildcard_match("*", ""));
  CHECK(wildcard_match("a*b*c", "aXXbYYc"));
}

TEST_CASE("hex encode/decode", "[lib][strutil]") {
  uint8_t b[] = {0x00, 0xab, 0xff};
  CHECK(hex_encode(b, 3) == "00abff");
  CHECK(hex_decode("00ABff")->at(1) == 0xab);
  CHECK_FALSE(hex_decode("0g"));
}

TEST_CASE("crlf_to_lf turns CRLF into LF and keeps lone CRs", "[strutil]") {
  CHECK(roost::crlf_to_lf("a\r\nb\r\n") == "a\nb\n");
  CHECK(roost::crlf_to_lf("a\rb\r") == "a\rb\r");
  CHECK(roost::crlf_to_lf("\r\r\n") == "\r\n");
  CHECK(roost::crlf_to_lf("") == "");
}
