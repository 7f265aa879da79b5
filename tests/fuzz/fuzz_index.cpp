// Fuzzes the decoders of Roost's own index files (snapshot, transaction
// records and the summary heading both, as read back from a possibly corrupt
// disk), the header cache and Dovecot's index header reader: bad bytes must
// end in roost::Error, never a crash.
#include <cstdint>
#include <string>

#include "formats/index/dovecot_index_header.hpp"
#include "formats/index/index_state.hpp"
#include "lib/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    auto state = roost::IndexState::decode(in, "fuzz");
    (void)roost::IndexState::decode(state.encode(), "fuzz-again");
  } catch (const roost::Error&) {
  }
  try {
    auto txn = roost::decode_transaction(in, "fuzz");
    (void)roost::decode_transaction(roost::encode_transaction(txn), "fuzz-again");
  } catch (const roost::Error&) {
  }
  try {
    auto summary = roost::decode_summary(in, "fuzz");
    (void)roost::decode_summary(roost::encode_summary(summary), "fuzz-again");
  } catch (const roost::Error&) {
  }
  (void)roost::parse_dovecot_index_header(in);
  return 0;
}
