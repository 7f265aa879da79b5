#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iterator>
#include <sstream>
#include <string>

#include "lib/compress/compression.hpp"
#include "lib/compress/decompress.hpp"
#include "lib/compress/deflater.hpp"
#include "lib/compress/inflate_stream.hpp"
#include "lib/compress/save_compression.hpp"
#include "lib/error.hpp"

using namespace roost;

namespace {

std::string compress(std::string_view data, Compression c = Compression::kGzip, int level = 6) {
  return compress_string(data, c, level);
}

std::string inflate_all(const std::string& data, Compression c = Compression::kGzip) {
  InflateIstream in(std::make_unique<std::istringstream>(data), c, "test data");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int error_code_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.exit_code();
  }
  return 0;
}

// A deterministic message-like text of `n` bytes.
std::string sample_text(size_t n) {
  std::string s;
  s.reserve(n);
  uint32_t x = 12345;
  while (s.size() < n) {
    x = x * 1103515245 + 12345;
    s += "Line " + std::to_string(x % 100000) + " of the body\n";
  }
  s.resize(n);
  return s;
}

}  // namespace

TEST_CASE("compression: magic bytes as Dovecot's zlib plugin checks them", "[compress]") {
  using namespace std::string_view_literals;
  CHECK(detect_compression("\x1f\x8b\x08"sv) == Compression::kGzip);
  CHECK(detect_compression("BZh91AY"sv) == Compression::kBzip2);
  CHECK(detect_compression("BZhx"sv) == Compression::kNone);
  CHECK(detect_compression("\xfd"
                           "7zXZ\x00\x00"sv) == Compression::kXz);
  CHECK(detect_compression("Dovecot-LZ4\x0d\x2a\x9b\xc5\x00"sv) == Compression::kLz4);
  CHECK(detect_compression("\x28\xb5\x2f\xfd\x00"sv) == Compression::kZstd);
  CHECK(detect_compression("From: a@b\n"sv) == Compression::kNone);
  CHECK(detect_compression("\x1f"sv) == Compression::kNone);
  CHECK(detect_compression(""sv) == Compression::kNone);
  CHECK(compression_from_name("gz") == Compression::kGzip);
  CHECK(compression_from_name("zstd") == Compression::kZstd);
  CHECK_FALSE(compression_from_name("gzip").has_value());
  CHECK(compression_from_extension("archive.gz") == Compression::kGzip);
  CHECK(compression_from_extension("old.bz2") == Compression::kBzip2);
  CHECK_FALSE(compression_from_extension(".gz").has_value());
  CHECK_FALSE(compression_from_extension("INBOX").has_value());
}

TEST_CASE("compression: gzip round trip with Dovecot's header", "[compress]") {
  std::string text = "From: a@example.org\nSubject: hi\n\nbody\n";
  std::string gz = compress(text);
  REQUIRE(gz.size() > 18);
  // ID1 ID2 CM=8 FLG=0 MTIME=0 XFL=0 OS=3 (Unix), as Dovecot writes it.
  CHECK(gz.substr(0, 10) == std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10));
  CHECK(inflate_all(gz) == text);
  CHECK(static_cast<unsigned char>(compress(text, Compression::kGzip, 9)[8]) == 2);
  CHECK(static_cast<unsigned char>(compress(text, Compression::kGzip, 1)[8]) == 4);
  // zlib's own gzip reader agrees.
  std::string back(text.size(), '\0');
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 16 + 15) == Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(back.data());
  zs.avail_out = static_cast<uInt>(back.size());
  CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
  inflateEnd(&zs);
  CHECK(back == text);
  // Raw deflate (IMAP COMPRESS) round-trips too; level 0 stores.
  CHECK(inflate_all(compress(text, Compression::kDeflate), Compression::kDeflate) == text);
  CHECK(inflate_all(compress(text, Compression::kGzip, 0)) == text);
  // `ostream << rdbuf()` would swallow errors; istream reads rethrow them.
  InflateIstream cut(std::make_unique<std::istringstream>(compress(text).substr(0, 20)),
                     Compression::kGzip, "cut");
  char buf[100];
  CHECK_THROWS_AS(cut.read(buf, sizeof buf), Error);
  CHECK(inflate_all(compress("")).empty());
}

TEST_CASE("compression: concatenated gzip members read as one", "[compress]") {
  CHECK(inflate_all(compress("first\n") + compress("second\n")) == "first\nsecond\n");
}

TEST_CASE("compression: truncated or corrupt gzip is a clear data error", "[compress]") {
  std::string gz = compress(sample_text(200000));
  std::string msg;
  for (size_t cut : {size_t{5}, size_t{11}, gz.size() / 2, gz.size() - 4, gz.size() - 1}) {
    INFO("cut at " << cut);
    CHECK(error_code_of([&] { inflate_all(gz.substr(0, cut)); }, &msg) == kExitDataErr);
    CHECK_THAT(msg, Catch::Contains("test data") && Catch::Contains("ends early"));
  }
  std::string bad = gz;
  bad[40] = static_cast<char>(bad[40] ^ 0x55);
  bad[41] = static_cast<char>(bad[41] ^ 0x55);
  CHECK(error_code_of([&] { inflate_all(bad); }, &msg) == kExitDataErr);
  std::string crc = gz;
  crc[crc.size() - 6] = static_cast<char>(crc[crc.size() - 6] ^ 1);  // CRC32 of the trailer
  CHECK(error_code_of([&] { inflate_all(crc); }, &msg) == kExitDataErr);
  CHECK_THAT(msg, Catch::Contains("corrupt"));
  CHECK(error_code_of([&] { inflate_all(gz + "junk"); }, &msg) == kExitDataErr);
}

TEST_CASE("compression: a large message streams through fixed buffers", "[compress]") {
  // 64 MiB of text produced and consumed piecewise: neither side holds it.
  const size_t chunk = 1 << 20, chunks = 64;
  std::string piece = sample_text(chunk);
  uLong crc_in = crc32(0L, Z_NULL, 0);
  std::string compressed;
  size_t max_out_piece = 0;
  {
    Deflater d(Compression::kGzip, 6, [&](std::string_view s) {
      max_out_piece = std::max(max_out_piece, s.size());
      compressed.append(s);
    });
    for (size_t i = 0; i < chunks; ++i) {
      piece[0] = static_cast<char>('A' + i % 26);
      crc_in =
          crc32(crc_in, reinterpret_cast<const Bytef*>(piece.data()), static_cast<uInt>(chunk));
      d.write(piece);
    }
    d.finish();
    CHECK(d.bytes_in() == chunk * chunks);
    CHECK(d.bytes_out() == compressed.size());
  }
  CHECK(max_out_piece <= 65536);
  InflateIstream in(std::make_unique<std::istringstream>(compressed), Compression::kGzip, "big");
  uLong crc_out = crc32(0L, Z_NULL, 0);
  uint64_t total = 0;
  char buf[70000];
  while (in) {
    in.read(buf, sizeof buf);
    auto n = in.gcount();
    crc_out = crc32(crc_out, reinterpret_cast<const Bytef*>(buf), static_cast<uInt>(n));
    total += static_cast<uint64_t>(n);
  }
  CHECK(total == chunk * chunks);
  CHECK(crc_out == crc_in);
}

TEST_CASE("compression: CompressingOstream writes what InflateIstream reads", "[compress]") {
  std::ostringstream sink;
  std::string text = sample_text(100000);
  {
    CompressingOstream out(sink, Compression::kGzip, 6);
    out << text.substr(0, 10);
    out.write(text.data() + 10, static_cast<std::streamsize>(text.size() - 10));
    out.finish();
  }
  CHECK(inflate_all(sink.str()) == text);
}

TEST_CASE("compression: decompress_if_needed and open_fd_decompressing", "[compress]") {
  std::string text = "Subject: x\n\nplain body\n";
  auto read_all = [](std::istream& in) {
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  auto plain = decompress_if_needed(std::make_unique<std::istringstream>(text), "m");
  CHECK(read_all(*plain) == text);
  auto gz = decompress_if_needed(std::make_unique<std::istringstream>(compress(text)), "m");
  CHECK(read_all(*gz) == text);
  auto tiny = decompress_if_needed(std::make_unique<std::istringstream>("x"), "m");
  CHECK(read_all(*tiny) == "x");
  std::string msg;
  CHECK(error_code_of(
            [&] {
              decompress_if_needed(
                  std::make_unique<std::istringstream>(std::string("\x28\xb5\x2f\xfd rest", 9)),
                  "message file /m/cur/1");
            },
            &msg) == kExitDataErr);
  CHECK_THAT(msg, Catch::Contains("/m/cur/1 is zstd-compressed") && Catch::Contains("zstd -d"));

  char path[] = "/tmp/roost-compress-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  std::string gzdata = compress(text);
  REQUIRE(::write(fd, gzdata.data(), gzdata.size()) == static_cast<ssize_t>(gzdata.size()));
  ::lseek(fd, 0, SEEK_SET);
  CHECK(detect_fd_compression(fd, path) == Compression::kGzip);
  auto in = open_fd_decompressing(fd, path);  // takes fd
  CHECK(read_all(*in) == text);
  int fd2 = ::open(path, O_WRONLY | O_TRUNC);
  REQUIRE(::write(fd2, "BZh91AY&SY", 10) == 10);
  ::close(fd2);
  fd2 = ::open(path, O_RDONLY);
  CHECK(error_code_of([&] { open_fd_decompressing(fd2, path); }, &msg) == kExitDataErr);
  CHECK_THAT(msg, Catch::Contains("bz2-compressed") && Catch::Contains("bzip2 -d"));
  ::unlink(path);
}

TEST_CASE("compression: zlib plugin settings as Dovecot 2.3 reads them", "[compress]") {
  auto s = parse_save_compression("quota zlib", "gz", "");
  CHECK(s.format == Compression::kGzip);
  CHECK(s.level == -1);
  CHECK(s.error.empty());
  CHECK(parse_save_compression("$mail_plugins zlib", "gz", "9").level == 9);
  CHECK(parse_save_compression("zlib", "gz", "0").level == 0);
  // Not loaded, or nothing to save with: plain.
  CHECK_FALSE(parse_save_compression("quota", "gz", "6").enabled());
  CHECK_FALSE(parse_save_compression("zlib", "", "6").enabled());
  CHECK_FALSE(parse_save_compression("", "", "").enabled());
  // What Roost can't write fails at save time with a config error.
  for (const char* bad : {"zstd", "bz2", "xz", "lz4", "deflate", "gzip"}) {
    INFO(bad);
    auto b = parse_save_compression("zlib", bad, "");
    CHECK(b.enabled());
    CHECK(error_code_of([&] { b.check(); }) == kExitConfig);
  }
  auto lvl = parse_save_compression("zlib", "gz", "10");
  std::string msg;
  CHECK(error_code_of([&] { lvl.check(); }, &msg) == kExitConfig);
  CHECK_THAT(msg, Catch::Contains("zlib_save_level"));
}

namespace {

// A socket-like source: hands out `data` a few bytes per underflow and
// "blocks" (throws) when asked for more than it has.
class TrickleBuf : public std::streambuf {
 public:
  explicit TrickleBuf(std::string data) : data_(std::move(data)) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (pos_ >= data_.size()) throw std::runtime_error("would block");
    size_t n = std::min<size_t>(7, data_.size() - pos_);
    setg(data_.data() + pos_, data_.data() + pos_, data_.data() + pos_ + n);
    pos_ += n;
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

class TrickleStream : public std::istream {
 public:
  explicit TrickleStream(std::string data) : std::istream(nullptr), buf_(std::move(data)) {
    rdbuf(&buf_);
  }

 private:
  TrickleBuf buf_;
};

}  // namespace

TEST_CASE("compression: a sync flush lets a stream peer decode without waiting", "[compress]") {
  for (auto format : {Compression::kDeflate, Compression::kGzip}) {
    std::string wire;
    Deflater d(format, 6, [&](std::string_view s) { wire.append(s); });
    d.write("a1 LOGIN user secret\r\n");
    d.flush();
    size_t first = wire.size();
    CHECK(first > 0);
    // The reader gets only what was flushed and must not ask for more.
    InflateIstream in(std::make_unique<TrickleStream>(wire.substr(0, first)), format, "imap");
    std::string got(22, '\0');
    in.read(got.data(), static_cast<std::streamsize>(got.size()));
    CHECK(got == "a1 LOGIN user secret\r\n");
    d.write("a2 LOGOUT\r\n");
    d.finish();
    CHECK(inflate_all(wire, format) == "a1 LOGIN user secret\r\na2 LOGOUT\r\n");
  }
}
