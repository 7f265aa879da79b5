// roost-expunge-keys: the header keys an mbox rewrite leaves for an index
// that catches up after a kill.
#include <catch2/catch.hpp>

#include "formats/mbox/mbox_expunge_keys.hpp"

using namespace roost;

TEST_CASE("mbox expunge keys: round trip, other UIDVALIDITY, bad and torn lines", "[mbox]") {
  std::map<uint32_t, std::string> keys{{2, "0123abcd"}, {17, "ffee"}, {40, ""}};
  std::string text = encode_mbox_expunge_keys(1700000000, keys);
  CHECK(text == "1700000000\n2 0123abcd\n17 ffee\n");
  auto back = decode_mbox_expunge_keys(text, 1700000000);
  CHECK(back == std::map<uint32_t, std::string>{{2, "0123abcd"}, {17, "ffee"}});
  CHECK(decode_mbox_expunge_keys(text, 1700000001).empty());
  CHECK(decode_mbox_expunge_keys("", 0).empty());
  auto partial = decode_mbox_expunge_keys("5\nx 1\n0 k\n3\n 4 k\n99999999999 k\n7 good\n8 torn", 5);
  CHECK(partial == std::map<uint32_t, std::string>{{7, "good"}});
}
