#include "formats/index/dovecot_index_header.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "lib/fsutil.hpp"

namespace roost {

namespace {
uint32_t le32(std::string_view d, size_t off) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(d[off + i])); };
  return b(0) | b(1) << 8 | b(2) << 16 | b(3) << 24;
}
constexpr size_t kMinHeader = 120;
}  // namespace

std::optional<DovecotIndexHeader> parse_dovecot_index_header(std::string_view d) {
  if (d.size() < kMinHeader) return std::nullopt;
  if (static_cast<unsigned char>(d[0]) != 7) return std::nullopt;  // major version
  uint16_t base_size = static_cast<uint16_t>(static_cast<unsigned char>(d[2]) |
                                             static_cast<unsigned char>(d[3]) << 8);
  if (base_size < 52 || (static_cast<unsigned char>(d[12]) & 1) == 0)  // little-endian flag
    return std::nullopt;
  DovecotIndexHeader h;
  h.uid_validity = le32(d, 24);
  h.next_uid = le32(d, 28);
  h.messages_count = le32(d, 32);
  h.first_recent_uid = le32(d, 48);
  return h;
}

std::optional<DovecotIndexHeader> read_dovecot_index_header(const std::string& dir) {
  std::string path = path_join(dir, "dovecot.index");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[kMinHeader];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof buf)) return std::nullopt;
  return parse_dovecot_index_header(std::string_view(buf, sizeof buf));
}

}  // namespace roost
