#pragma once
// Streaming compression into gzip (RFC 1952) or raw deflate (RFC 1951).
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "lib/compress/compression.hpp"

namespace roost {

// Compresses what write() is given and hands the compressed bytes to `sink`
// as they come (a 64 KiB buffer; the input is never held). The gzip header
// is the one Dovecot's zlib plugin writes (no name, mtime 0, OS = Unix), so
// `zcat` reads the files either writes. Only kGzip and kDeflate; `level`
// 0..9 or -1 for zlib's default (6). Errors are roost::Error.
class Deflater {
 public:
  using Sink = std::function<void(std::string_view)>;
  Deflater(Compression format, int level, Sink sink);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  void write(std::string_view data);
  // Hands out everything written so far, ending on a byte boundary
  // (Z_SYNC_FLUSH), so the peer can decode it now: for protocol streams
  // such as IMAP COMPRESS. Costs a few bytes; files don't need it.
  void flush();
  // Flushes the rest and writes the trailer; write() is not allowed after.
  void finish();
  uint64_t bytes_in() const { return in_; }
  uint64_t bytes_out() const { return out_; }

 private:
  void run(int flush);
  struct State;
  std::unique_ptr<State> st_;
  Sink sink_;
  uint64_t in_ = 0;
  uint64_t out_ = 0;
  bool finished_ = false;
};

// `data` compressed in one go (small data: tests, protocol buffers).
std::string compress_string(std::string_view data, Compression format, int level = -1);

// An output streambuf that compresses into `dest` (not owned). finish()
// (or destruction, which swallows errors) ends the compressed stream.
class CompressingStreamBuf : public std::streambuf {
 public:
  CompressingStreamBuf(std::streambuf* dest, Compression format, int level);
  ~CompressingStreamBuf() override;
  void finish();
  uint64_t bytes_in() const {
    return deflater_.bytes_in() + static_cast<uint64_t>(pptr() - pbase());
  }

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void drain();
  std::streambuf* dest_;
  Deflater deflater_;
  char buf_[16384];
};

class CompressingOstream : public std::ostream {
 public:
  CompressingOstream(std::ostream& dest, Compression format, int level)
      : std::ostream(nullptr), buf_(dest.rdbuf(), format, level) {
    rdbuf(&buf_);
    exceptions(std::ios::badbit);
  }
  void finish() {
    flush();
    buf_.finish();
  }

 private:
  CompressingStreamBuf buf_;
};

}  // namespace roost
