#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace roost::dsync {

// What a channel queues in memory before the rest goes to its spill file.
inline constexpr size_t kChannelMemoryBound = 16u << 20;

// A channel's overflow: an unlinked temporary file in $TMPDIR (/tmp when
// unset) that holds queued bytes beyond the channel's memory bound, so a
// two-way sync where both sides send their whole mailbox before reading the
// other's keeps its RSS flat. Bytes are appended and read back by offset; the
// owner resets it once everything appended was read. Not thread-safe: the
// channel's lock guards it. The file is created on the first append and
// vanishes with the descriptor.
class SpillFile {
 public:
  SpillFile() = default;
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  // Appends `bytes`; returns the offset they start at.
  uint64_t append(std::string_view bytes);
  // Reads `len` bytes at `off` into `dst` (appended to it).
  void read(uint64_t off, size_t len, std::string& dst) const;
  // Forgets everything appended (the file shrinks to nothing).
  void reset();
  // Bytes appended since the last reset.
  uint64_t size() const { return end_; }

 private:
  static constexpr size_t kBuffer = 64u << 10;
  void open();
  void write_at(uint64_t off, std::string_view bytes);
  void flush() const;
  void pread_all(uint64_t off, size_t len, char* dst) const;
  int fd_ = -1;
  uint64_t end_ = 0;  // bytes appended, the write buffer's included
  std::string dir_;
  // Small appends wait here (at end_ - size) and go out in blocks; small
  // reads come from one block read ahead. Both are bounded by kBuffer.
  mutable std::string tail_;
  mutable std::string block_;
  mutable uint64_t block_off_ = 0;
};

}  // namespace roost::dsync
