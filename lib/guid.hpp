#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roost {

// A 128-bit GUID as Dovecot uses for mailboxes (and for dbox messages):
// printed as 32 lowercase hex digits.
struct Guid128 {
  std::array<uint8_t, 16> bytes{};

  static Guid128 generate();
  static std::optional<Guid128> parse(std::string_view hex32);
  std::string hex() const;
  bool empty() const;
  auto operator<=>(const Guid128&) const = default;
};

}  // namespace roost
