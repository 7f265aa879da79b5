#pragma once
// An input stream over a byte range of a file descriptor it owns, read with
// pread() so several streams (and a reader) can share one file. Used for a
// message body inside a dbox file.
#include <cstdint>
#include <istream>
#include <memory>
#include <streambuf>

namespace roost {

class DboxRangeStreamBuf : public std::streambuf {
 public:
  // Takes ownership of `fd`.
  DboxRangeStreamBuf(int fd, uint64_t offset, uint64_t size);
  ~DboxRangeStreamBuf() override;
  DboxRangeStreamBuf(const DboxRangeStreamBuf&) = delete;
  DboxRangeStreamBuf& operator=(const DboxRangeStreamBuf&) = delete;

 protected:
  int_type underflow() override;

 private:
  int fd_;
  uint64_t pos_;
  uint64_t end_;
  char buf_[65536];
};

class DboxRangeStream : public std::istream {
 public:
  DboxRangeStream(int fd, uint64_t offset, uint64_t size)
      : std::istream(nullptr), buf_(fd, offset, size) {
    rdbuf(&buf_);
  }

 private:
  DboxRangeStreamBuf buf_;
};

}  // namespace roost
