#include "formats/list/deleted_mailboxes_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

namespace {

// Decimal seconds, bounded.
bool parse_time(std::string_view s, int64_t& ts) {
  ts = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9' || ts > (int64_t{1} << 50)) return false;
    ts = ts * 10 + (c - '0');
  }
  return true;
}

// The complete lines of `data` (a torn last line is not durable yet).
template <class F>
void for_each_line(std::string_view data, F f) {
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) break;
    f(data.substr(pos, nl - pos));
    pos = nl + 1;
  }
}

void append_line(const std::string& dir, const std::string& line) {
  std::string path = path_join(dir, kDeletedMailboxesFile);
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

}  // namespace

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
  append_line(dir, serialize_deleted_mailbox({guid, static_cast<int64_t>(::time(nullptr))}));
}

std::vector<DeletedMailbox> read_deleted_mailboxes(const std::string& dir) {
  auto data = read_file_if_exists(path_join(dir, kDeletedMailboxesFile));
  return data ? parse_deleted_mailboxes(*data) : std::vector<DeletedMailbox>{};
}

std::vector<MailboxListChange> parse_mailbox_list_changes(std::string_view data) {
  std::vector<MailboxListChange> out;
  for_each_line(data, [&](std::string_view line) {
    if (line.size() < 4 || line[1] != ' ') return;
    MailboxListChange c;
    std::string_view rest = line.substr(2);
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) return;
    switch (line[0]) {
      case 'R': {
        auto guid = Guid128::parse(rest.substr(0, sp));
        if (sp != 32 || !guid || !parse_time(rest.substr(sp + 1), c.timestamp)) return;
        c.kind = MailboxListChange::Kind::kRename;
        c.guid = *guid;
        break;
      }
      case 'S':
      case 'U':
        if (!parse_time(rest.substr(0, sp), c.timestamp) || sp + 1 >= rest.size()) return;
        c.kind = line[0] == 'S' ? MailboxListChange::Kind::kSubscribe
                                : MailboxListChange::Kind::kUnsubscribe;
        c.name = std::string(rest.substr(sp + 1));
        break;
      default:
        return;
    }
    out.push_back(std::move(c));
  });
  return out;
}

std::string serialize_mailbox_list_change(const MailboxListChange& c) {
  std::string ts = std::to_string(c.timestamp);
  if (c.kind == MailboxListChange::Kind::kRename) return "R " + c.guid.hex() + " " + ts + "\n";
  return std::string(1, static_cast<char>(c.kind)) + " " + ts + " " + c.name + "\n";
}

void record_mailbox_renamed(const std::string& dir, const Guid128& guid) {
  if (guid.empty()) return;
  MailboxListChange c;
  c.guid = guid;
  c.timestamp = static_cast<int64_t>(::time(nullptr));
  append_line(dir, serialize_mailbox_list_change(c));
}

void record_mailbox_renamed(MailStorage& storage, const std::string& dir,
                            const std::string& new_name) {
  Guid128 guid;
  try {
    guid = storage.open_mailbox(new_name)->status().guid;
  } catch (const Error& e) {
    if (e.exit_code() != kExitNotFound) throw;
    return;
  }
  record_mailbox_renamed(dir, guid);
}

void record_subscription_change(const std::string& dir, const std::string& name, bool subscribed) {
  // A name with a line break would end the record early: such a name can't
  // be valid (validate_mailbox_name), and it isn't recorded.
  if (name.empty() || name.find('\n') != std::string::npos) return;
  MailboxListChange c;
  c.kind = subscribed ? MailboxListChange::Kind::kSubscribe : MailboxListChange::Kind::kUnsubscribe;
  c.name = name;
  c.timestamp = static_cast<int64_t>(::time(nullptr));
  append_line(dir, serialize_mailbox_list_change(c));
}

std::vector<MailboxListChange> read_mailbox_list_changes(const std::string& dir) {
  auto data = read_file_if_exists(path_join(dir, kDeletedMailboxesFile));
  return data ? parse_mailbox_list_changes(*data) : std::vector<MailboxListChange>{};
}

}  // namespace roost
