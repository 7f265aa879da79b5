#pragma once
// The compression formats a mail file can be stored in, as Dovecot's zlib
// plugin names them, and their recognition by magic bytes. Pure.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace roost {

enum class Compression {
  kNone,
  kGzip,     // "gz": RFC 1952, what zlib_save = gz writes
  kDeflate,  // "deflate": raw RFC 1951, no header (IMAP COMPRESS); not detectable
  kBzip2,    // "bz2"
  kXz,       // "xz"
  kLz4,      // "lz4": Dovecot's own framing ("Dovecot-LZ4" magic)
  kZstd,     // "zstd"
};

// How many leading bytes detect_compression() needs to see at most.
inline constexpr size_t kCompressionMagicMax = 15;

// The format whose magic `head` starts with (kNone when none matches or
// `head` is too short to tell). Raw deflate has no magic and is never
// reported.
Compression detect_compression(std::string_view head);

// "gz", "deflate", "bz2", "xz", "lz4", "zstd" ("" for kNone): the names
// zlib_save takes and Dovecot prints.
std::string_view compression_name(Compression c);
// The inverse of compression_name(); nullopt for an unknown name.
std::optional<Compression> compression_from_name(std::string_view name);
// File name extension Dovecot gives to compressed single-file mailboxes
// (".gz", ".bz2", ".xz", ".lz4", ".zstd"); the format of a name ending in one.
std::optional<Compression> compression_from_extension(std::string_view file_name);

// True for the formats Roost can read and write (gzip and raw deflate: zlib
// is the one compression library Roost links).
bool compression_supported(Compression c);

// The command that turns a file of format `c` back into plain text, for
// error messages ("gzip -d", "zstd -d", ...).
std::string_view decompress_command(Compression c);

}  // namespace roost
