#pragma once
// Binary encoding primitives of the Roost index files: little-endian fixed
// width integers and length-prefixed strings. Pure (no I/O) so the parsers
// can be fuzzed; a read past the end throws Error(kExitDataErr).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "lib/error.hpp"

namespace roost::index_codec {

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { le(v, 2); }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void i64(int64_t v) { le(static_cast<uint64_t>(v), 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void raw(std::string_view s) { out_.append(s); }
  std::string& data() { return out_; }
  size_t size() const { return out_.size(); }
  // Overwrites 4 bytes at `pos` (for lengths/CRCs known only at the end).
  void patch_u32(size_t pos, uint32_t v) {
    for (int i = 0; i < 4; ++i) out_[pos + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }

 private:
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view data, std::string what) : data_(data), what_(std::move(what)) {}
  uint8_t u8() { return static_cast<uint8_t>(le(1)); }
  uint16_t u16() { return static_cast<uint16_t>(le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  uint64_t u64() { return le(8); }
  int64_t i64() { return static_cast<int64_t>(le(8)); }
  std::string str() {
    uint32_t n = u32();
    need(n);
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string_view raw(size_t n) {
    need(n);
    auto s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(kExitDataErr, what_ + " is corrupt at byte " + std::to_string(pos_) + ": " + why);
  }

 private:
  void need(size_t n) const {
    if (data_.size() - pos_ < n) fail("truncated");
  }
  uint64_t le(int n) {
    need(static_cast<size_t>(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  std::string_view data_;
  size_t pos_ = 0;
  std::string what_;
};

uint32_t crc32_of(std::string_view data);

}  // namespace roost::index_codec
