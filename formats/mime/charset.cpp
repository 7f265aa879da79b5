#include "formats/mime/charset.hpp"

#include <cstring>

#include <errno.h>
#include <iconv.h>

#include <map>
#include <memory>

#include "lib/imap/utf8.hpp"
#include "lib/strutil.hpp"

namespace roost {
namespace {

constexpr const char kReplacement[] = "\xEF\xBF\xBD";

struct IconvHandle {
  iconv_t cd = reinterpret_cast<iconv_t>(-1);
  ~IconvHandle() {
    if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
  }
};

// Per-thread cache so a search over many messages does not reopen iconv.
iconv_t cached_iconv(const std::string& charset) {
  thread_local std::map<std::string, std::unique_ptr<IconvHandle>> cache;
  auto it = cache.find(charset);
  if (it == cache.end()) {
    if (cache.size() > 64) cache.clear();
    auto handle = std::make_unique<IconvHandle>();
    handle->cd = iconv_open("UTF-8", charset.c_str());
    it = cache.emplace(charset, std::move(handle)).first;
  }
  return it->second->cd;
}

bool is_utf8_alias(const std::string& cs) {
  return cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii" || cs.empty();
}

}  // namespace

// Hot in body search (decoded attachments are mostly not UTF-8): ASCII is
// copied 8 bytes at a time, sequences are checked inline, and the output is
// written through a pointer into storage sized for the worst case.
void append_valid_utf8(std::string_view in, std::string& out) {
  const size_t start = out.size();
  out.resize(start + in.size() * 3);  // every byte may become U+FFFD
  char* dst = out.data() + start;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const unsigned char* end = p + in.size();
  while (p < end) {
    if (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        std::memcpy(dst, p, 8);
        dst += 8;
        p += 8;
        continue;
      }
    }
    unsigned char c = *p;
    if (c < 0x80) {
      *dst++ = static_cast<char>(c);
      ++p;
      continue;
    }
    int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len != 0 && end - p >= len;
    uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; ok && k < len; ++k) {
      if ((p[k] & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (ok) {
      std::memcpy(dst, p, static_cast<size_t>(len));
      dst += len;
      p += len;
    } else {
      std::memcpy(dst, kReplacement, 3);
      dst += 3;
      ++p;
    }
  }
  out.resize(static_cast<size_t>(dst - out.data()));
}

bool charset_to_utf8(std::string_view charset, std::string_view in, std::string& out) {
  std::string cs = to_lower(trim(charset));
  if (is_utf8_alias(cs)) {
    append_valid_utf8(in, out);
    return true;
  }
  iconv_t cd = cached_iconv(cs);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char buf[4096];
  while (src_left > 0) {
    char* dst = buf;
    size_t dst_left = sizeof(buf);
    size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    out.append(buf, static_cast<size_t>(dst - buf));
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ or EINVAL: replace one byte and go on.
      out += kReplacement;
      ++src;
      --src_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  char* dst = buf;
  size_t dst_left = sizeof(buf);
  iconv(cd, nullptr, nullptr, &dst, &dst_left);
  out.append(buf, static_cast<size_t>(dst - buf));
  return true;
}

}  // namespace roost
