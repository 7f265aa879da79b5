#include "lib/compress/compression.hpp"

#include <array>
#include <cstring>

namespace roost {

namespace {

struct Entry {
  Compression kind;
  std::string_view name;
  std::string_view ext;
  std::string_view command;
};

constexpr std::array<Entry, 6> kEntries = {{
    {Compression::kGzip, "gz", ".gz", "gzip -d"},
    {Compression::kBzip2, "bz2", ".bz2", "bzip2 -d"},
    {Compression::kDeflate, "deflate", "", "zlib-flate -uncompress"},
    {Compression::kXz, "xz", ".xz", "xz -d"},
    {Compression::kLz4, "lz4", ".lz4", "doveadm (Dovecot's own LZ4 framing)"},
    {Compression::kZstd, "zstd", ".zstd", "zstd -d"},
}};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

Compression detect_compression(std::string_view head) {
  using namespace std::string_view_literals;
  // Same order and magics as Dovecot's zlib plugin checks them.
  if (starts_with(head, "\x1f\x8b"sv)) return Compression::kGzip;
  if (head.size() >= 4 && starts_with(head, "BZh") && head[3] >= '1' && head[3] <= '9')
    return Compression::kBzip2;
  if (starts_with(head, "\xfd\x37\x7a\x58\x5a\x00"sv)) return Compression::kXz;
  if (starts_with(head, "Dovecot-LZ4\x0d\x2a\x9b\xc5"sv)) return Compression::kLz4;
  if (starts_with(head, "\x28\xb5\x2f\xfd"sv)) return Compression::kZstd;  // 0xFD2FB528 LE
  return Compression::kNone;
}

std::string_view compression_name(Compression c) {
  for (const auto& e : kEntries)
    if (e.kind == c) return e.name;
  return "";
}

std::optional<Compression> compression_from_name(std::string_view name) {
  for (const auto& e : kEntries)
    if (e.name == name) return e.kind;
  return std::nullopt;
}

std::optional<Compression> compression_from_extension(std::string_view file_name) {
  for (const auto& e : kEntries) {
    if (e.ext.empty() || file_name.size() <= e.ext.size()) continue;
    if (file_name.compare(file_name.size() - e.ext.size(), e.ext.size(), e.ext) == 0) return e.kind;
  }
  return std::nullopt;
}

bool compression_supported(Compression c) {
  return c == Compression::kNone || c == Compression::kGzip || c == Compression::kDeflate;
}

std::string_view decompress_command(Compression c) {
  for (const auto& e : kEntries)
    if (e.kind == c) return e.command;
  return "cat";
}

}  // namespace roost
