#include "lib/guid.hpp"

#include <openssl/rand.h>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

Guid128 Guid128::generate() {
  Guid128 g;
  if (RAND_bytes(g.bytes.data(), static_cast<int>(g.bytes.size())) != 1)
    throw Error(kExitSoftware, "cannot generate a GUID: the random source failed");
  return g;
}

std::optional<Guid128> Guid128::parse(std::string_view hex32) {
  if (hex32.size() != 32) return std::nullopt;
  auto raw = hex_decode(hex32);
  if (!raw) return std::nullopt;
  Guid128 g;
  std::copy(raw->begin(), raw->end(), g.bytes.begin());
  return g;
}

std::string Guid128::hex() const { return hex_encode(bytes.data(), bytes.size()); }

bool Guid128::empty() const {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

}  // namespace roost
