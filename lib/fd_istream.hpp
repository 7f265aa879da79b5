#pragma once
#include <istream>
#include <memory>
#include <streambuf>
#include <string>

namespace roost {

// An input stream over a file descriptor it owns: one open() per message
// instead of std::ifstream's own, a 64 KiB buffer, closed with the stream.
class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd);
  ~FdStreamBuf() override;
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;

 protected:
  int_type underflow() override;
  std::streamsize xsgetn(char* s, std::streamsize n) override;

 private:
  int fd_;
  char buf_[65536];
};

class FdIstream : public std::istream {
 public:
  explicit FdIstream(int fd) : std::istream(nullptr), buf_(fd) { rdbuf(&buf_); }

 private:
  FdStreamBuf buf_;
};

// Opens `path` read-only as a stream; throws roost::Error naming the path
// (kExitNotFound when it doesn't exist).
std::unique_ptr<std::istream> open_file_stream(const std::string& path);

}  // namespace roost
