#include "lib/compress/deflater.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "lib/error.hpp"

namespace roost {

struct Deflater::State {
  z_stream zs{};
  gz_header header{};
  unsigned char out[65536];
};

Deflater::Deflater(Compression format, int level, Sink sink)
    : st_(std::make_unique<State>()), sink_(std::move(sink)) {
  if (format != Compression::kGzip && format != Compression::kDeflate)
    throw Error(kExitConfig, "cannot compress with " + std::string(compression_name(format)) +
                                 ": Roost writes gz (gzip) and deflate only");
  if (level < -1 || level > 9)
    throw Error(kExitConfig,
                "compression level " + std::to_string(level) + " is out of range: use 0..9");
  // 16 + 15: a gzip wrapper around a 32 KiB window; -15: raw deflate.
  int bits = format == Compression::kGzip ? 16 + 15 : -15;
  if (deflateInit2(&st_->zs, level, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error(kExitSoftware, "zlib could not start a compressor (out of memory?)");
  if (format == Compression::kGzip) {
    // zlib's defaults (mtime 0, no name) plus OS = Unix, like Dovecot's header.
    st_->header.os = 3;
    deflateSetHeader(&st_->zs, &st_->header);
  }
}

Deflater::~Deflater() {
  deflateEnd(&st_->zs);
}

void Deflater::run(int flush) {
  z_stream& zs = st_->zs;
  do {
    zs.next_out = st_->out;
    zs.avail_out = sizeof st_->out;
    int rc = deflate(&zs, flush);
    if (rc == Z_STREAM_ERROR) throw Error(kExitSoftware, "zlib compressor state is broken");
    size_t n = sizeof st_->out - zs.avail_out;
    if (n) {
      out_ += n;
      sink_(std::string_view(reinterpret_cast<const char*>(st_->out), n));
    }
    if (rc == Z_STREAM_END) return;
  } while (zs.avail_out == 0 || (flush == Z_FINISH));
}

void Deflater::write(std::string_view data) {
  if (finished_) throw Error(kExitSoftware, "write to a finished compressor");
  z_stream& zs = st_->zs;
  while (!data.empty()) {
    // avail_in is 32 bits: feed huge buffers in slices.
    size_t take = std::min<size_t>(data.size(), 1u << 30);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(take);
    run(Z_NO_FLUSH);
    in_ += take;
    data.remove_prefix(take);
  }
}

void Deflater::flush() {
  if (finished_) return;
  st_->zs.next_in = nullptr;
  st_->zs.avail_in = 0;
  run(Z_SYNC_FLUSH);
}

void Deflater::finish() {
  if (finished_) return;
  st_->zs.next_in = nullptr;
  st_->zs.avail_in = 0;
  run(Z_FINISH);
  finished_ = true;
}

std::string compress_string(std::string_view data, Compression format, int level) {
  std::string out;
  Deflater d(format, level, [&](std::string_view s) { out.append(s); });
  d.write(data);
  d.finish();
  return out;
}

CompressingStreamBuf::CompressingStreamBuf(std::streambuf* dest, Compression format, int level)
    : dest_(dest), deflater_(format, level, [this](std::string_view out) {
        if (dest_->sputn(out.data(), static_cast<std::streamsize>(out.size())) !=
            static_cast<std::streamsize>(out.size()))
          throw Error(kExitIoErr, "writing compressed data failed");
      }) {
  setp(buf_, buf_ + sizeof buf_);
}

CompressingStreamBuf::~CompressingStreamBuf() {
  try {
    finish();
  } catch (...) {
    // A destructor can't report; callers that care call finish() first.
  }
}

void CompressingStreamBuf::drain() {
  deflater_.write(std::string_view(pbase(), static_cast<size_t>(pptr() - pbase())));
  setp(buf_, buf_ + sizeof buf_);
}

CompressingStreamBuf::int_type CompressingStreamBuf::overflow(int_type ch) {
  drain();
  if (!traits_type::eq_int_type(ch, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
  }
  return traits_type::not_eof(ch);
}

std::streamsize CompressingStreamBuf::xsputn(const char* s, std::streamsize n) {
  if (n >= static_cast<std::streamsize>(sizeof buf_)) {
    drain();
    deflater_.write(std::string_view(s, static_cast<size_t>(n)));
    return n;
  }
  return std::streambuf::xsputn(s, n);
}

int CompressingStreamBuf::sync() {
  drain();
  return 0;
}

void CompressingStreamBuf::finish() {
  drain();
  deflater_.finish();
  dest_->pubsync();
}

}  // namespace roost
