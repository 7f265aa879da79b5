// Fuzzes the decompressing stream (what every read of a possibly compressed
// mail goes through): any input either decodes or throws roost::Error, and
// whatever decodes compresses and decodes back to itself.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "lib/compress/decompress.hpp"
#include "lib/compress/deflater.hpp"
#include "lib/compress/inflate_stream.hpp"
#include "lib/error.hpp"

namespace {

std::string read_all(std::istream& in) {
  std::string out;
  char buf[4096];
  while (in) {
    in.read(buf, sizeof buf);
    out.append(buf, static_cast<size_t>(in.gcount()));
    if (out.size() > (64u << 20)) break;  // a decompression bomb: enough
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  for (auto format : {roost::Compression::kGzip, roost::Compression::kDeflate}) {
    try {
      roost::InflateIstream in(std::make_unique<std::istringstream>(input), format, "fuzz");
      std::string plain = read_all(in);
      if (plain.size() > (1u << 20)) continue;
      std::string again = roost::compress_string(plain, format, 6);
      roost::InflateIstream back(std::make_unique<std::istringstream>(again), format, "again");
      if (read_all(back) != plain) abort();
    } catch (const roost::Error&) {
    }
  }
  try {
    auto in = roost::decompress_if_needed(std::make_unique<std::istringstream>(input), "fuzz");
    read_all(*in);
  } catch (const roost::Error&) {
  }
  return 0;
}
