#include <catch2/catch.hpp>

#include "formats/mime/charset.hpp"
#include "formats/mime/header.hpp"
#include "formats/mime/transfer_encoding.hpp"

using namespace roost;

namespace {
std::string repaired(std::string_view in) {
  std::string out = "x";  // appends to what is there
  append_valid_utf8(in, out);
  return out.substr(1);
}
const std::string kFFFD = "\xEF\xBF\xBD";
}  // namespace

TEST_CASE("invalid UTF-8 is replaced byte by byte, valid text kept", "[mime][charset]") {
  CHECK(repaired("plain ascii longer than eight bytes") == "plain ascii longer than eight bytes");
  CHECK(repaired("Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln, \xE2\x82\xAC 5, \xF0\x9F\x98\x80!") ==
        "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln, \xE2\x82\xAC 5, \xF0\x9F\x98\x80!");
  CHECK(repaired("a\xFF" "b") == "a" + kFFFD + "b");
  CHECK(repaired("\xC0\xAF") == kFFFD + kFFFD);                  // overlong '/'
  CHECK(repaired("\xED\xA0\x80") == kFFFD + kFFFD + kFFFD);      // UTF-16 surrogate
  CHECK(repaired("ok\xE2\x82") == "ok" + kFFFD + kFFFD);         // cut short at the end
  CHECK(repaired("\xF4\x90\x80\x80") == kFFFD + kFFFD + kFFFD + kFFFD);  // above U+10FFFF
  CHECK(repaired("") == "");
}

TEST_CASE("base64 decodes across line breaks and stops at padding", "[mime][charset]") {
  std::string out = "pre:";
  decode_base64("SGVs\r\nbG8g\nd29y bGQ=\nignored", out);
  CHECK(out == "pre:Hello world");
  out.clear();
  decode_base64("", out);
  CHECK(out.empty());
}

TEST_CASE("line counts and virtual sizes count bare LF as CRLF", "[mime][charset]") {
  CHECK(line_count_of("a\nb\r\nc") == 2);
  CHECK(virtual_size_of("a\nb\r\nc") == 7);
  CHECK(virtual_size_of("\n") == 2);
  CHECK(line_count_of("") == 0);
}
