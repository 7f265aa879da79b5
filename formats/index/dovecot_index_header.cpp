#include "formats/index/dovecot_index_header.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "lib/fsutil.hpp"

namespace roost {

std::optional<DovecotBaseHeader> parse_dovecot_index_header(std::string_view d) {
  if (d.size() < kDovecotBaseHeaderSize) return std::nullopt;
  DovecotBaseHeader h = decode_dovecot_base_header(d.substr(0, kDovecotBaseHeaderSize));
  // v7, a base header that holds first_recent_uid, little-endian.
  if (h.major_version != 7 || h.base_header_size < 52 || (h.compat_flags & 1) == 0)
    return std::nullopt;
  return h;
}

std::optional<DovecotBaseHeader> read_dovecot_index_header(const std::string& dir) {
  std::string path = path_join(dir, "dovecot.index");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[kDovecotBaseHeaderSize];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof buf)) return std::nullopt;
  return parse_dovecot_index_header(std::string_view(buf, sizeof buf));
}

}  // namespace roost
