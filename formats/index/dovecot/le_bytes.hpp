#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace roost::dovecot_bytes {

// Dovecot writes its index files in host order and marks little-endian ones
// with a compat flag; Roost only reads those, so every integer here is LE.
// Callers check bounds first: these helpers assume `off + N <= d.size()`.
inline uint8_t u8(std::string_view d, size_t off) { return static_cast<uint8_t>(d[off]); }
inline uint16_t le16(std::string_view d, size_t off) {
  return static_cast<uint16_t>(u8(d, off) | u8(d, off + 1) << 8);
}
inline uint32_t le32(std::string_view d, size_t off) {
  return static_cast<uint32_t>(u8(d, off)) | static_cast<uint32_t>(u8(d, off + 1)) << 8 |
         static_cast<uint32_t>(u8(d, off + 2)) << 16 | static_cast<uint32_t>(u8(d, off + 3)) << 24;
}
inline uint64_t le64(std::string_view d, size_t off) {
  return static_cast<uint64_t>(le32(d, off)) | static_cast<uint64_t>(le32(d, off + 4)) << 32;
}
inline void put_le(std::string& d, size_t off, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) d[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint64_t get_le(std::string_view d, size_t off, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(u8(d, off + i)) << (8 * i);
  return v;
}
// Index headers and extension data are padded to 8 bytes, log payloads to 4.
constexpr uint64_t align8(uint64_t x) { return (x + 7) & ~uint64_t{7}; }
constexpr uint64_t align4(uint64_t x) { return (x + 3) & ~uint64_t{3}; }

}  // namespace roost::dovecot_bytes
