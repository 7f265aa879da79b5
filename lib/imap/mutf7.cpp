#include "lib/imap/mutf7.hpp"

#include <cstdint>
#include <vector>

#include "lib/error.hpp"
#include "lib/imap/utf8.hpp"

namespace roost {
namespace {

constexpr char kBase64Chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

bool is_direct(uint32_t cp) { return cp >= 0x20 && cp <= 0x7e; }

// Appends the UTF-16BE bytes of `units` as modified base64 (no padding).
void append_base64(std::string& out, const std::vector<uint8_t>& bytes) {
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kBase64Chars[(v >> 18) & 63];
    out += kBase64Chars[(v >> 12) & 63];
    out += kBase64Chars[(v >> 6) & 63];
    out += kBase64Chars[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = bytes[i] << 16;
    out += kBase64Chars[(v >> 18) & 63];
    out += kBase64Chars[(v >> 12) & 63];
  } else if (rest == 2) {
    uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += kBase64Chars[(v >> 18) & 63];
    out += kBase64Chars[(v >> 12) & 63];
    out += kBase64Chars[(v >> 6) & 63];
  }
}

[[noreturn]] void bad_mutf7(std::string_view input, const std::string& why) {
  throw Error(kExitDataErr, "invalid modified UTF-7 name '" + std::string(input) + "': " + why);
}

}  // namespace

std::string mutf7_encode(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 8);
  std::vector<uint8_t> pending;  // UTF-16BE bytes of the current shift run
  auto flush = [&] {
    if (pending.empty()) return;
    out += '&';
    append_base64(out, pending);
    out += '-';
    pending.clear();
  };
  size_t pos = 0;
  while (pos < utf8.size()) {
    auto cp = utf8_next(utf8, pos);
    if (!cp) {
      throw Error(kExitDataErr, "mailbox name is not valid UTF-8: '" + std::string(utf8) +
                                    "' (byte offset " + std::to_string(pos) + ")");
    }
    if (is_direct(*cp)) {
      flush();
      if (*cp == '&') {
        out += "&-";
      } else {
        out += static_cast<char>(*cp);
      }
      continue;
    }
    if (*cp >= 0x10000) {
      uint32_t v = *cp - 0x10000;
      uint16_t hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3ff);
      pending.push_back(hi >> 8);
      pending.push_back(hi & 0xff);
      pending.push_back(lo >> 8);
      pending.push_back(lo & 0xff);
    } else {
      pending.push_back(*cp >> 8);
      pending.push_back(*cp & 0xff);
    }
  }
  flush();
  return out;
}

std::string mutf7_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    unsigned char c = in[i];
    if (c < 0x20 || c > 0x7e) bad_mutf7(in, "contains a byte outside printable US-ASCII");
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
    // Decode the base64 run up to '-'.
    uint32_t bits = 0;
    int nbits = 0;
    std::vector<uint16_t> units;
    bool closed = false;
    while (i < in.size()) {
      char b = in[i++];
      if (b == '-') {
        closed = true;
        break;
      }
      int v = base64_value(b);
      if (v < 0) bad_mutf7(in, std::string("invalid character '") + b + "' in a base64 run");
      bits = (bits << 6) | static_cast<uint32_t>(v);
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        units.push_back(static_cast<uint16_t>((bits >> nbits) & 0xffff));
        bits &= (1u << nbits) - 1;
      }
    }
    if (!closed) bad_mutf7(in, "unterminated base64 run (missing '-')");
    if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0) {
      bad_mutf7(in, "base64 run has leftover or non-zero padding bits");
    }
    if (units.empty()) bad_mutf7(in, "empty base64 run ('&' must be written as '&-')");
    for (size_t u = 0; u < units.size(); ++u) {
      uint32_t cp = units[u];
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (u + 1 >= units.size() || units[u + 1] < 0xDC00 || units[u + 1] > 0xDFFF) {
          bad_mutf7(in, "unpaired UTF-16 high surrogate");
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (units[u + 1] - 0xDC00);
        ++u;
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        bad_mutf7(in, "unpaired UTF-16 low surrogate");
      } else if (is_direct(cp)) {
        bad_mutf7(in, "printable US-ASCII must not be base64-encoded");
      }
      utf8_append(out, cp);
    }
  }
  return out;
}

}  // namespace roost
