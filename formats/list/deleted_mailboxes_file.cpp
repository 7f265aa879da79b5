#include "formats/list/deleted_mailboxes_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

std::vector<DeletedMailbox> parse_deleted_mailboxes(std::string_view data) {
  std::vector<DeletedMailbox> out;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) break;  // torn append: not durable yet
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    size_t sp = line.find(' ');
    if (sp != 32) continue;
    auto guid = Guid128::parse(line.substr(0, 32));
    if (!guid) continue;
    int64_t ts = 0;
    bool ok = sp + 1 < line.size();
    for (char c : line.substr(sp + 1)) {
      if (c < '0' || c > '9' || ts > (int64_t{1} << 50)) {
        ok = false;
        break;
      }
      ts = ts * 10 + (c - '0');
    }
    if (ok) out.push_back({*guid, ts});
  }
  return out;
}

std::string serialize_deleted_mailbox(const DeletedMailbox& entry) {
  return entry.guid.hex() + " " + std::to_string(entry.timestamp) + "\n";
}

void record_deleted_mailbox(const std::string& dir, const Guid128& guid) {
  if (guid.empty()) return;
  std::string path = path_join(dir, kDeletedMailboxesFile);
  std::string line = serialize_deleted_mailbox({guid, static_cast<int64_t>(::time(nullptr))});
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw_errno("cannot open", path);
  ssize_t n = ::write(fd, line.data(), line.size());
  int err = errno;
  if (n != static_cast<ssize_t>(line.size()) || ::fsync(fd) < 0) {
    ::close(fd);
    throw_errno("cannot append to", path, n < 0 ? err : errno);
  }
  ::close(fd);
}

std::vector<DeletedMailbox> read_deleted_mailboxes(const std::string& dir) {
  auto data = read_file_if_exists(path_join(dir, kDeletedMailboxesFile));
  return data ? parse_deleted_mailboxes(*data) : std::vector<DeletedMailbox>{};
}

}  // namespace roost
