#include "lib/compress/save_compression.hpp"

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

void SaveCompression::check() const {
  if (!error.empty()) throw Error(kExitConfig, error);
}

SaveCompression parse_save_compression(std::string_view mail_plugins, std::string_view zlib_save,
                                       std::string_view zlib_save_level) {
  SaveCompression out;
  bool loaded = false;
  for (const auto& word : split_ws(mail_plugins))
    if (word == "zlib") loaded = true;
  std::string name(trim(zlib_save));
  if (!loaded || name.empty()) return out;
  auto format = compression_from_name(name);
  if (!format) {
    out.error = "zlib_save = " + name +
                ": unknown compression; use gz (the one Roost writes) or leave it empty";
    return out;
  }
  if (*format == Compression::kDeflate) {
    // Raw deflate has no magic bytes, so a reader could not tell such a
    // mail from a plain one; Dovecot would write it and then serve it
    // undecoded.
    out.error =
        "zlib_save = deflate: raw deflate can't be recognized when the mail is read "
        "back; use zlib_save = gz";
    return out;
  }
  if (!compression_supported(*format)) {
    out.error = "zlib_save = " + name +
                ": Roost writes gz only (zlib is the compression library "
                "it links); set zlib_save = gz";
    return out;
  }
  out.format = *format;
  std::string level(trim(zlib_save_level));
  if (!level.empty()) {
    auto n = parse_u32(level);
    if (!n || *n > 9) {
      out.error = "zlib_save_level = " + level + ": the level must be between 0..9";
      return out;
    }
    out.level = static_cast<int>(*n);
  }
  return out;
}

}  // namespace roost
