#include "formats/dbox/dbox_range_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace roost {

DboxRangeStreamBuf::DboxRangeStreamBuf(int fd, uint64_t offset, uint64_t size)
    : fd_(fd), pos_(offset), end_(offset + size) {}

DboxRangeStreamBuf::~DboxRangeStreamBuf() {
  if (fd_ >= 0) ::close(fd_);
}

DboxRangeStreamBuf::int_type DboxRangeStreamBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (pos_ >= end_) return traits_type::eof();
  size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf_, end_ - pos_));
  ssize_t n;
  do {
    n = ::pread(fd_, buf_, want, static_cast<off_t>(pos_));
  } while (n < 0 && errno == EINTR);
  // A read error or a file cut short ends the stream; the caller sees a
  // body shorter than the size it was told (istream failbit on read()).
  if (n <= 0) return traits_type::eof();
  pos_ += static_cast<uint64_t>(n);
  setg(buf_, buf_, buf_ + n);
  return traits_type::to_int_type(*gptr());
}

}  // namespace roost
