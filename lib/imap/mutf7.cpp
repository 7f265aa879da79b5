#include "lib/imap/mutf7.hpp"

#include <cstdint>
#include <vector>

#include "lib/error.hpp"

namespace roost {

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

[[noreturn]] void bad(std::string_view in, const char* why) {
  throw Error(kExitDataErr, "invalid modified UTF-7 name '" + std::string(in) + "': " + why);
}

// Decodes one UTF-8 code point at `i`; throws on malformed input.
uint32_t next_code_point(std::string_view s, size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size())
    throw Error(kExitDataErr, "invalid UTF-8 in name '" + std::string(s) + "'");
  uint32_t cp = len == 1 ? c : c & (0xff >> (len + 1));
  for (int k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) throw Error(kExitDataErr, "invalid UTF-8 in name '" + std::string(s) + "'");
    cp = (cp << 6) | (cc & 0x3f);
  }
  i += len;
  return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}
}  // namespace

std::string mutf7_encode(std::string_view utf8) {
  std::string out;
  size_t i = 0;
  while (i < utf8.size()) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += c == '&' ? "&-" : std::string(1, static_cast<char>(c));
      ++i;
      continue;
    }
    // A run of non-printable characters becomes one base64 section of UTF-16.
    std::vector<uint16_t> units;
    while (i < utf8.size()) {
      auto d = static_cast<unsigned char>(utf8[i]);
      if (d >= 0x20 && d < 0x7f) break;
      uint32_t cp = next_code_point(utf8, i);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        units.push_back(static_cast<uint16_t>(0xd800 | (cp >> 10)));
        units.push_back(static_cast<uint16_t>(0xdc00 | (cp & 0x3ff)));
      } else {
        units.push_back(static_cast<uint16_t>(cp));
      }
    }
    out += '&';
    uint32_t bits = 0;
    int nbits = 0;
    for (uint16_t u : units) {
      bits = (bits << 16) | u;
      nbits += 16;
      while (nbits >= 6) {
        nbits -= 6;
        out += kB64[(bits >> nbits) & 0x3f];
      }
    }
    if (nbits > 0) out += kB64[(bits << (6 - nbits)) & 0x3f];
    out += '-';
  }
  return out;
}

std::string mutf7_decode(std::string_view in) {
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 || c >= 0x7f) bad(in, "contains a non-ASCII or control byte");
    if (c != '&') {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    ++i;
    if (i < in.size() && in[i] == '-') {
      out += '&';
      ++i;
      continue;
    }
    uint32_t bits = 0;
    int nbits = 0;
    uint32_t high = 0;
    size_t start = i;
    while (i < in.size() && in[i] != '-') {
      int v = b64_value(in[i]);
      if (v < 0) bad(in, "invalid base64 character");
      bits = (bits << 6) | static_cast<uint32_t>(v);
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        uint32_t u = (bits >> nbits) & 0xffff;
        if (u >= 0xd800 && u < 0xdc00) {
          if (high) bad(in, "unpaired surrogate");
          high = u;
        } else if (u >= 0xdc00 && u < 0xe000) {
          if (!high) bad(in, "unpaired surrogate");
          append_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00));
          high = 0;
        } else {
          if (high) bad(in, "unpaired surrogate");
          if (u >= 0x20 && u < 0x7f) bad(in, "printable ASCII encoded in base64");
          append_utf8(out, u);
        }
      }
      ++i;
    }
    if (i >= in.size()) bad(in, "unterminated '&' section");
    if (i == start) bad(in, "empty '&' section");
    if (high) bad(in, "unpaired surrogate");
    if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0) bad(in, "non-zero padding bits");
    ++i;  // '-'
  }
  return out;
}

}  // namespace roost
