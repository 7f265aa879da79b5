#include "formats/mime/transfer_encoding.hpp"

#include <array>
#include <cstdint>

#include "lib/strutil.hpp"

namespace roost {
namespace {

int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

// Attachments make base64 the hot path of body search: a table lookup per
// byte and output written through a pointer into pre-sized storage.
void decode_base64(std::string_view in, std::string& out) {
  static const auto kTable = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int c = 0; c < 256; ++c) t[static_cast<size_t>(c)] = static_cast<int8_t>(b64_value(
                                      static_cast<unsigned char>(c)));
    return t;
  }();
  size_t start = out.size();
  out.resize(start + in.size() / 4 * 3 + 3);
  char* dst = out.data() + start;
  uint32_t bits = 0;
  int nbits = 0;
  for (unsigned char c : in) {
    if (c == '=') break;
    int v = kTable[c];
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      *dst++ = static_cast<char>((bits >> nbits) & 0xff);
      bits &= (1u << nbits) - 1;
    }
  }
  out.resize(static_cast<size_t>(dst - out.data()));
}

void decode_quoted_printable(std::string_view in, std::string& out, bool header_mode) {
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c == '_' && header_mode) {
      out += ' ';
      ++i;
    } else if (c == '=') {
      if (i + 2 < in.size() + 0 && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
        out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
        i += 3;
        continue;
      }
      // Soft line break: '=' followed by optional whitespace and a newline.
      size_t j = i + 1;
      while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
      if (j < in.size() && in[j] == '\r') ++j;
      if (j < in.size() && in[j] == '\n') {
        i = j + 1;
        continue;
      }
      if (j >= in.size()) break;
      out += c;
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
}

void decode_transfer_encoding(std::string_view cte, std::string_view body, std::string& out) {
  std::string_view t = trim(cte);
  if (iequals(t, "base64")) {
    decode_base64(body, out);
  } else if (iequals(t, "quoted-printable")) {
    decode_quoted_printable(body, out);
  } else {
    out.append(body);
  }
}

}  // namespace roost
