#include "formats/mbox/mbox_control_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "lib/dotlock.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost::mbox {

std::vector<std::string> parse_subscriptions(std::string_view data, char separator) {
  std::vector<std::string> out;
  bool v2 = data.substr(0, 4) == "V\t2\n";
  if (v2) {
    data.remove_prefix(4);
    if (!data.empty() && data[0] == '\n') data.remove_prefix(1);
  }
  for (const auto& line : split(data, '\n')) {
    if (line.empty()) continue;
    std::string name = line;
    if (v2) {
      std::vector<std::string> parts;
      for (const auto& p : split(line, '\t')) parts.push_back(tab_unescape(p));
      name = join(parts, std::string(1, separator));
    }
    if (iequals(name, "INBOX")) name = "INBOX";
    bool dup = false;
    for (const auto& n : out) dup = dup || n == name;
    if (!dup) out.push_back(name);
  }
  return out;
}

std::string serialize_subscriptions(const std::vector<std::string>& names, char separator) {
  std::string out = "V\t2\n\n";
  for (const auto& name : names) {
    std::vector<std::string> parts;
    for (const auto& p : split(name, separator)) parts.push_back(tab_escape(p));
    out += join(parts, "\t") + "\n";
  }
  return out;
}

namespace {
std::string hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}
}  // namespace

uint32_t allocate_uidvalidity(const std::string& dir) {
  make_dirs(dir);
  std::string path = path_join(dir, "dovecot-uidvalidity");
  DotLock lock = DotLock::acquire(path);
  uint32_t last = 0;
  if (auto data = read_file_if_exists(path)) {
    std::string t(trim(*data));
    if (t.size() == 8) last = static_cast<uint32_t>(std::strtoul(t.c_str(), nullptr, 16));
  }
  uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  uint32_t next = last >= now ? last + 1 : now;
  if (next == 0) next = 1;
  lock.write_content(hex8(next));
  lock.commit_replace();
  if (last != 0) ::unlink(path_join(dir, "dovecot-uidvalidity." + hex8(last)).c_str());
  int fd = ::open(path_join(dir, "dovecot-uidvalidity." + hex8(next)).c_str(),
                  O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
  if (fd >= 0) ::close(fd);
  return next;
}

}  // namespace roost::mbox
