#include "lib/fd_istream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/error.hpp"

namespace roost {

FdStreamBuf::FdStreamBuf(int fd) : fd_(fd) { setg(buf_, buf_, buf_); }

FdStreamBuf::~FdStreamBuf() {
  if (fd_ >= 0) ::close(fd_);
}

FdStreamBuf::int_type FdStreamBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  ssize_t n;
  do {
    n = ::read(fd_, buf_, sizeof buf_);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return traits_type::eof();
  setg(buf_, buf_, buf_ + n);
  return traits_type::to_int_type(*gptr());
}

std::streamsize FdStreamBuf::xsgetn(char* s, std::streamsize n) {
  std::streamsize done = 0;
  // Serve what is buffered, then read large requests straight into `s`.
  std::streamsize avail = egptr() - gptr();
  if (avail > 0) {
    std::streamsize take = std::min(avail, n);
    std::memcpy(s, gptr(), static_cast<size_t>(take));
    gbump(static_cast<int>(take));
    done = take;
  }
  while (done < n) {
    if (n - done >= static_cast<std::streamsize>(sizeof buf_)) {
      ssize_t r = ::read(fd_, s + done, static_cast<size_t>(n - done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      done += r;
    } else {
      if (traits_type::eq_int_type(underflow(), traits_type::eof())) break;
      std::streamsize take = std::min<std::streamsize>(egptr() - gptr(), n - done);
      std::memcpy(s + done, gptr(), static_cast<size_t>(take));
      gbump(static_cast<int>(take));
      done += take;
    }
  }
  return done;
}

std::unique_ptr<std::istream> open_file_stream(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw Error(kExitNotFound, "cannot open " + path + ": it is gone");
    throw_errno("cannot open", path);
  }
  return std::make_unique<FdIstream>(fd);
}

}  // namespace roost
