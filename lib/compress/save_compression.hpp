#pragma once
// What Dovecot's zlib plugin settings ask saves to do:
//   mail_plugins = $mail_plugins zlib
//   plugin { zlib_save = gz   zlib_save_level = 6 }
#include <string>
#include <string_view>

#include "lib/compress/compression.hpp"

namespace roost {

struct SaveCompression {
  Compression format = Compression::kNone;  // kNone: save plain
  int level = -1;                           // -1: zlib's default (6)
  // Set when the settings ask for something Roost can't write (bz2, xz,
  // lz4, zstd, raw deflate, an unknown name, a bad level). Saving then fails
  // with this kExitConfig message; reading is not affected.
  std::string error;

  bool enabled() const { return format != Compression::kNone || !error.empty(); }
  // Throws Error(kExitConfig, error) when the settings were unusable.
  void check() const;
};

// Dovecot 2.3's rules: nothing is compressed unless `mail_plugins` lists
// zlib and zlib_save names a compression; zlib_save_level defaults to the
// format's default (gz: 6) and must be 0..9.
SaveCompression parse_save_compression(std::string_view mail_plugins, std::string_view zlib_save,
                                       std::string_view zlib_save_level);

}  // namespace roost
