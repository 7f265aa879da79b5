#include "dsync/dsync_state.hpp"

#include <zlib.h>

#include <cstring>
#include <vector>

namespace roost::dsync {
namespace {

constexpr size_t kRecordSize = 44;
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::vector<uint8_t>& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint32_t>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= in[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kB64[v & 63] : '=';
  }
  return out;
}

std::optional<std::vector<uint8_t>> unbase64(std::string_view in) {
  if (in.size() % 4) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = in[i + j];
      const char* p = c ? std::strchr(kB64, c) : nullptr;
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      if (!p || pad) return std::nullopt;
      v = (v << 6) | static_cast<uint32_t>(p - kB64);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<uint8_t>(v >> 8));
    if (pad < 1) out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t get32(const uint8_t* p) {
  return p[0] | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace

std::string export_state(const StateMap& states) {
  std::vector<uint8_t> b = {1, 0, 0, 0};
  for (const auto& [guid, s] : states) {
    b.insert(b.end(), guid.bytes.begin(), guid.bytes.end());
    put32(b, s.last_uidvalidity);
    put32(b, s.last_common_uid);
    put32(b, static_cast<uint32_t>(s.last_common_modseq));
    put32(b, static_cast<uint32_t>(s.last_common_modseq >> 32));
    put32(b, static_cast<uint32_t>(s.last_common_pvt_modseq));
    put32(b, static_cast<uint32_t>(s.last_common_pvt_modseq >> 32));
    put32(b, s.last_messages_count);
  }
  put32(b, static_cast<uint32_t>(crc32(0, b.data(), static_cast<uInt>(b.size()))));
  return base64(b);
}

std::optional<StateMap> import_state(std::string_view text, std::string& error) {
  StateMap out;
  if (text.empty()) return out;
  auto data = unbase64(text);
  if (!data) return error = "Invalid base64 data", std::nullopt;
  const auto& b = *data;
  if (b.size() == 4 && get32(b.data()) == 0) return out;  // old empty state
  if (b.size() < 8) return error = "Input too small", std::nullopt;
  if ((b.size() - 8) % kRecordSize != 0 || b[0] != 1)
    return error = "Unsupported state format", std::nullopt;
  uint32_t crc = static_cast<uint32_t>(crc32(0, b.data(), static_cast<uInt>(b.size() - 4)));
  if (crc != get32(b.data() + b.size() - 4)) return error = "CRC mismatch", std::nullopt;
  for (size_t off = 4; off + 4 < b.size(); off += kRecordSize) {
    const uint8_t* p = b.data() + off;
    MailboxState s;
    std::memcpy(s.mailbox_guid.bytes.data(), p, 16);
    s.last_uidvalidity = get32(p + 16);
    s.last_common_uid = get32(p + 20);
    s.last_common_modseq = get32(p + 24) | (static_cast<uint64_t>(get32(p + 28)) << 32);
    s.last_common_pvt_modseq = get32(p + 32) | (static_cast<uint64_t>(get32(p + 36)) << 32);
    s.last_messages_count = get32(p + 40);
    out[s.mailbox_guid] = s;
  }
  return out;
}

}  // namespace roost::dsync
