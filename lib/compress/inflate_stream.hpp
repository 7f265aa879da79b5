#pragma once
// Streaming decompression of gzip (RFC 1952, also several members one after
// another, as `cat a.gz b.gz` makes) and raw deflate (RFC 1951).
#include <cstdint>
#include <istream>
#include <memory>
#include <streambuf>
#include <string>

#include "lib/compress/compression.hpp"

namespace roost {

// Reads compressed bytes from `src` on demand and serves them decompressed
// (64 KiB in, 64 KiB out; nothing else is held). `name` is what error
// messages call the data ("message file /x/cur/1.M2.h"). A truncated or
// corrupt stream throws roost::Error(kExitDataErr) from underflow(), so a
// reader never takes a cut message for a whole one; wrap it in
// InflateIstream (whose badbit exceptions let that error through).
class InflateStreamBuf : public std::streambuf {
 public:
  InflateStreamBuf(std::unique_ptr<std::istream> src, Compression format, std::string name);
  ~InflateStreamBuf() override;
  InflateStreamBuf(const InflateStreamBuf&) = delete;
  InflateStreamBuf& operator=(const InflateStreamBuf&) = delete;

  // Decompressed bytes served so far.
  uint64_t bytes_out() const { return out_total_ - static_cast<uint64_t>(egptr() - gptr()); }

 protected:
  int_type underflow() override;

 private:
  bool fill_input();
  [[noreturn]] void fail(const std::string& what) const;
  struct State;
  std::unique_ptr<State> st_;
  std::unique_ptr<std::istream> src_;
  Compression format_;
  std::string name_;
  uint64_t out_total_ = 0;
  bool src_eof_ = false;
  bool done_ = false;
};

class InflateIstream : public std::istream {
 public:
  InflateIstream(std::unique_ptr<std::istream> src, Compression format, std::string name)
      : std::istream(nullptr), buf_(std::move(src), format, std::move(name)) {
    rdbuf(&buf_);
    // Errors thrown by the buffer (truncated or corrupt data) propagate
    // instead of ending the stream silently.
    exceptions(std::ios::badbit);
  }

 private:
  InflateStreamBuf buf_;
};

}  // namespace roost
