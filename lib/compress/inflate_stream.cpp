#include "lib/compress/inflate_stream.hpp"

#include <zlib.h>

#include <algorithm>

#include "lib/error.hpp"

namespace roost {

struct InflateStreamBuf::State {
  z_stream zs{};
  char in[65536];
  char out[65536];
};

InflateStreamBuf::InflateStreamBuf(std::unique_ptr<std::istream> src, Compression format,
                                   std::string name)
    : st_(std::make_unique<State>()),
      src_(std::move(src)),
      format_(format),
      name_(std::move(name)) {
  if (format != Compression::kGzip && format != Compression::kDeflate)
    throw Error(kExitDataErr, name_ + " is " + std::string(compression_name(format)) +
                                  "-compressed; Roost reads gzip and deflate only");
  int bits = format == Compression::kGzip ? 16 + 15 : -15;
  if (inflateInit2(&st_->zs, bits) != Z_OK)
    throw Error(kExitSoftware, "zlib could not start a decompressor (out of memory?)");
  setg(st_->out, st_->out, st_->out);
}

InflateStreamBuf::~InflateStreamBuf() {
  inflateEnd(&st_->zs);
}

void InflateStreamBuf::fail(const std::string& what) const {
  throw Error(kExitDataErr, name_ + ": " + what);
}

bool InflateStreamBuf::fill_input() {
  if (src_eof_) return false;
  // Wait for one byte, then take what the source has buffered: a socket
  // (IMAP COMPRESS) must not be asked for 64 KiB it may never send.
  std::streambuf* sb = src_->rdbuf();
  if (traits_type::eq_int_type(sb->sgetc(), traits_type::eof())) {
    src_eof_ = true;
    return false;
  }
  std::streamsize want = std::clamp<std::streamsize>(sb->in_avail(), 1, sizeof st_->in);
  std::streamsize n = sb->sgetn(st_->in, want);
  st_->zs.next_in = reinterpret_cast<Bytef*>(st_->in);
  st_->zs.avail_in = static_cast<uInt>(n);
  return n > 0;
}

InflateStreamBuf::int_type InflateStreamBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  z_stream& zs = st_->zs;
  while (!done_) {
    if (zs.avail_in == 0 && !fill_input()) {
      fail(std::string("the ") + (format_ == Compression::kGzip ? "gzip" : "deflate") +
           " data ends early (file truncated?); restore the file from a backup or "
           "remove it and resync the mailbox");
    }
    zs.next_out = reinterpret_cast<Bytef*>(st_->out);
    zs.avail_out = sizeof st_->out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t n = sizeof st_->out - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // gzip allows members one after another; anything else after the
      // trailer is corruption, not mail.
      if (format_ == Compression::kGzip && (zs.avail_in > 0 || fill_input())) {
        if (zs.avail_in >= 1 && static_cast<unsigned char>(zs.next_in[0]) != 0x1f)
          fail("unexpected data after the end of the gzip stream (corrupt file)");
        inflateReset(&zs);
      } else {
        done_ = true;
      }
    } else if (rc == Z_BUF_ERROR) {
      // No progress possible without more input: loop reads more (or fails).
    } else if (rc != Z_OK) {
      fail(std::string("corrupt ") + (format_ == Compression::kGzip ? "gzip" : "deflate") +
           " data (" + (zs.msg ? zs.msg : "zlib error " + std::to_string(rc)) + ")");
    }
    if (n > 0) {
      out_total_ += n;
      setg(st_->out, st_->out, st_->out + n);
      return traits_type::to_int_type(*gptr());
    }
  }
  return traits_type::eof();
}

}  // namespace roost
