// Fuzzes modified UTF-7 decoding and checks encode/decode round-trips.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "lib/error.hpp"
#include "lib/imap/mutf7.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    std::string utf8 = roost::mutf7_decode(input);
    // Whatever decodes must encode back to the canonical form, and decoding
    // that again gives the same text.
    std::string again = roost::mutf7_encode(utf8);
    if (roost::mutf7_decode(again) != utf8) abort();
  } catch (const roost::Error&) {
  }
  try {
    std::string encoded = roost::mutf7_encode(input);
    if (roost::mutf7_decode(encoded) != input) abort();
  } catch (const roost::Error&) {
  }
  return 0;
}
