#include "formats/mbox/mbox_message_stream.hpp"

#include <unistd.h>

#include <cerrno>
#include <streambuf>

namespace roost {

namespace {

class MboxMessageBuf : public std::streambuf {
 public:
  MboxMessageBuf(std::string header, int fd, uint64_t off, uint64_t len)
      : header_(std::move(header)), fd_(fd), off_(off), left_(len) {
    char* p = header_.data();
    setg(p, p, p + header_.size());
  }
  ~MboxMessageBuf() override {
    if (fd_ >= 0) ::close(fd_);
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (left_ == 0) return traits_type::eof();
    size_t want = left_ < sizeof buf_ ? static_cast<size_t>(left_) : sizeof buf_;
    ssize_t n;
    do {
      n = ::pread(fd_, buf_, want, static_cast<off_t>(off_));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return traits_type::eof();
    off_ += static_cast<uint64_t>(n);
    left_ -= static_cast<uint64_t>(n);
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string header_;
  int fd_;
  uint64_t off_;
  uint64_t left_;
  char buf_[65536];
};

class MboxMessageStream : public std::istream {
 public:
  MboxMessageStream(std::string header, int fd, uint64_t off, uint64_t len)
      : std::istream(nullptr), buf_(std::move(header), fd, off, len) {
    rdbuf(&buf_);
  }

 private:
  MboxMessageBuf buf_;
};

}  // namespace

std::unique_ptr<std::istream> make_mbox_message_stream(std::string header, int fd,
                                                       uint64_t body_offset, uint64_t body_len) {
  return std::make_unique<MboxMessageStream>(std::move(header), fd, body_offset, body_len);
}

}  // namespace roost
