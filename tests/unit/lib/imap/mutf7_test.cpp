#include "lib/imap/mutf7.hpp"

#include <catch2/catch.hpp>

#include "lib/error.hpp"

using roost::mutf7_decode;
using roost::mutf7_encode;

TEST_CASE("mutf7 encodes RFC 3501 examples", "[mutf7]") {
  CHECK(mutf7_encode("~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E") ==
        "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  CHECK(mutf7_encode("Entw\xC3\xBC" "rfe") == "Entw&APw-rfe");
  CHECK(mutf7_encode("&") == "&-");
  CHECK(mutf7_encode("A&B") == "A&-B");
  CHECK(mutf7_encode("") == "");
  CHECK(mutf7_encode("INBOX") == "INBOX");
  // U+1F600 as a surrogate pair D83D DE00.
  CHECK(mutf7_encode("\xF0\x9F\x98\x80") == "&2D3eAA-");
  // Control characters are not printable ASCII, so they get encoded too.
  CHECK(mutf7_encode("a\tb") == "a&AAk-b");
}

TEST_CASE("mutf7 decodes and round-trips", "[mutf7]") {
  CHECK(mutf7_decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-") ==
        "~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  CHECK(mutf7_decode("Entw&APw-rfe") == "Entw\xC3\xBC" "rfe");
  CHECK(mutf7_decode("&-") == "&");
  CHECK(mutf7_decode("&2D3eAA-") == "\xF0\x9F\x98\x80");
  for (const char* s : {"Gel\xC3\xB6scht", "\xD0\x9E\xD1\x82\xD0\xBF\xD1\x80\xD0\xB0\xD0\xB2",
                        "a&b&&c", "\xE2\x82\xAC 1 \xE2\x82\xAC", "x\xF0\x9F\x98\x80y\xC3\xA9"}) {
    CHECK(mutf7_decode(mutf7_encode(s)) == s);
  }
}

TEST_CASE("mutf7 rejects invalid input", "[mutf7]") {
  auto rejects_decode = [](std::string_view s) {
    try {
      mutf7_decode(s);
    } catch (const roost::Error& e) {
      return e.exit_code() == roost::kExitDataErr;
    }
    return false;
  };
  CHECK(rejects_decode("&U,BTFw"));      // unterminated
  CHECK(rejects_decode("&U,B!Fw-"));     // bad base64 char
  CHECK(rejects_decode("&AGE-"));        // 'a' hidden in base64
  CHECK(rejects_decode("&APx-"));        // non-zero padding bits
  CHECK(rejects_decode("&-&"));          // trailing lone '&'
  CHECK(rejects_decode("&2D0-"));        // lone high surrogate
  CHECK(rejects_decode("&3gA-"));        // lone low surrogate
  CHECK(rejects_decode("caf\xC3\xA9"));  // raw 8-bit
  CHECK(rejects_decode("a\tb"));         // raw control char
  CHECK(rejects_decode("&AP-"));         // odd byte count
  CHECK_THROWS_AS(mutf7_encode("\xC3"), roost::Error);           // truncated UTF-8
  CHECK_THROWS_AS(mutf7_encode("\xC0\xAF"), roost::Error);       // overlong
  CHECK_THROWS_AS(mutf7_encode("\xED\xA0\x80"), roost::Error);   // surrogate
  CHECK_THROWS_AS(mutf7_encode("\xF4\x90\x80\x80"), roost::Error);  // > U+10FFFF
}
