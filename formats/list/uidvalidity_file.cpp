#include "formats/list/uidvalidity_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "lib/dotlock.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
std::string hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}
}  // namespace

uint32_t allocate_uidvalidity(const std::string& root) {
  make_dirs(root);
  std::string path = path_join(root, "dovecot-uidvalidity");
  DotLock lock = DotLock::acquire(path);
  uint32_t last = 0;
  if (auto data = read_file_if_exists(path)) {
    std::string_view t = trim(*data);
    if (t.size() == 8) {
      auto bytes = hex_decode(t);
      if (bytes) last = (uint32_t{(*bytes)[0]} << 24) | (uint32_t{(*bytes)[1]} << 16) |
                        (uint32_t{(*bytes)[2]} << 8) | uint32_t{(*bytes)[3]};
    }
  }
  uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  uint32_t next = last >= now ? last + 1 : now;
  if (next == 0) next = 1;
  lock.write_content(hex8(next));
  lock.commit_replace();
  // The empty marker file: remove the previous one, create the new one.
  if (last != 0) ::unlink(path_join(root, "dovecot-uidvalidity." + hex8(last)).c_str());
  std::string marker = path_join(root, "dovecot-uidvalidity." + hex8(next));
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
  if (fd >= 0) ::close(fd);
  return next;
}

}  // namespace roost
