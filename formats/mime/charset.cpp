#include "formats/mime/charset.hpp"

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

void append_valid_utf8(std::string_view in, std::string& out) {
  size_t pos = 0;
  size_t run_start = 0;
  while (pos < in.size()) {
    if (static_cast<unsigned char>(in[pos]) < 0x80) {
      ++pos;
      continue;
    }
    size_t before = pos;
    if (utf8_next(in, pos)) continue;
    out.append(in.substr(run_start, before - run_start));
    out += kReplacement;
    pos = before + 1;
    run_start = pos;
  }
  out.append(in.substr(run_start));
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
