#include "lib/compress/decompress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lib/compress/inflate_stream.hpp"
#include "lib/error.hpp"
#include "lib/fd_istream.hpp"

namespace roost {

namespace {

// Serves `prefix`, then the rest of `src`.
class PrefixStreamBuf : public std::streambuf {
 public:
  PrefixStreamBuf(std::string prefix, std::unique_ptr<std::istream> src)
      : prefix_(std::move(prefix)), src_(std::move(src)) {
    setg(prefix_.data(), prefix_.data(), prefix_.data() + prefix_.size());
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    std::streamsize n = src_->rdbuf()->sgetn(buf_, sizeof buf_);
    if (n <= 0) return traits_type::eof();
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string prefix_;
  std::unique_ptr<std::istream> src_;
  char buf_[65536];
};

class PrefixIstream : public std::istream {
 public:
  PrefixIstream(std::string prefix, std::unique_ptr<std::istream> src)
      : std::istream(nullptr), buf_(std::move(prefix), std::move(src)) {
    rdbuf(&buf_);
  }

 private:
  PrefixStreamBuf buf_;
};

}  // namespace

void throw_unsupported_compression(Compression c, const std::string& name) {
  throw Error(kExitDataErr,
              name + " is " + std::string(compression_name(c)) +
                  "-compressed; Roost reads gzip and deflate only: decompress it (" +
                  std::string(decompress_command(c)) +
                  ") or recompress it with gzip, then resync the mailbox (roost force-resync)");
}

Compression detect_fd_compression(int fd, const std::string& name) {
  char head[kCompressionMagicMax];
  size_t got = 0;
  while (got < sizeof head) {
    ssize_t n = ::pread(fd, head + got, sizeof head - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot read", name);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return detect_compression(std::string_view(head, got));
}

std::unique_ptr<std::istream> open_fd_decompressing(int fd, const std::string& name) {
  Compression c;
  try {
    c = detect_fd_compression(fd, name);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (c == Compression::kNone) return std::make_unique<FdIstream>(fd);
  if (!compression_supported(c)) {
    ::close(fd);
    throw_unsupported_compression(c, name);
  }
  return std::make_unique<InflateIstream>(std::make_unique<FdIstream>(fd), c, name);
}

std::unique_ptr<std::istream> decompress_if_needed(std::unique_ptr<std::istream> src,
                                                   const std::string& name) {
  std::string head(kCompressionMagicMax, '\0');
  std::streamsize got = src->rdbuf()->sgetn(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(std::max<std::streamsize>(got, 0)));
  Compression c = detect_compression(head);
  if (c != Compression::kNone && !compression_supported(c)) throw_unsupported_compression(c, name);
  auto replay = std::make_unique<PrefixIstream>(std::move(head), std::move(src));
  if (c == Compression::kNone) return replay;
  return std::make_unique<InflateIstream>(std::move(replay), c, name);
}

}  // namespace roost
