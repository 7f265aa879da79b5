#include "formats/list/attribute_file_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <tuple>

#include "formats/list/attribute_changes_file.hpp"
#include "formats/list/attribute_dict_file.hpp"
#include "lib/dotlock.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {
namespace {

int64_t now() {
  return static_cast<int64_t>(::time(nullptr));
}

int64_t mtime_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0) return now();
  return static_cast<int64_t>(st.st_mtime);
}

// Both files as read at one moment.
struct Files {
  AttributeDict dict;
  AttributeChanges changes;
  int64_t dict_mtime = 0;

  Files(const std::string& dict_path, const std::string& changes_path) {
    auto dict_data = read_file_if_exists(dict_path);
    if (dict_data) dict = parse_attribute_dict(*dict_data);
    dict_mtime = dict_data ? mtime_of(dict_path) : now();
    auto changes_data = read_file_if_exists(changes_path);
    if (changes_data) changes = parse_attribute_changes(*changes_data);
  }

  // The attribute under dict key `full` (nullopt: never known here).
  std::optional<MailboxAttribute> get(const std::string& full, AttributeType type,
                                      std::string key) const {
    MailboxAttribute a;
    a.type = type;
    a.key = std::move(key);
    auto d = dict.find(full);
    auto c = changes.find(full);
    if (c != changes.end()) a.synced_hash = c->second.synced_hash;
    if (d != dict.end()) {
      a.value = d->second;
      if (c != changes.end() && !c->second.deleted &&
          c->second.value_hash == attribute_value_hash(d->second)) {
        a.last_change = c->second.last_change;
        a.modseq = c->second.modseq;
      } else {
        a.last_change = dict_mtime;  // set by another program
      }
      return a;
    }
    if (c == changes.end()) return std::nullopt;
    // Deleted through Roost, or (still marked set) removed by another program.
    a.deleted = true;
    a.last_change = c->second.deleted ? c->second.last_change : dict_mtime;
    a.modseq = c->second.deleted ? c->second.modseq : 0;
    return a;
  }
};

// What tells a file's versions apart: Dovecot and Roost replace it by
// rename (a new inode); an in-place writer changes size or mtime.
struct FileStamp {
  bool exists = false;
  ino_t ino = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  explicit FileStamp(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return;
    exists = true;
    ino = st.st_ino;
    size = st.st_size;
    mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }
  bool operator==(const FileStamp&) const = default;
};

}  // namespace

struct AttributeFileStore::Cached {
  FileStamp dict_stamp, changes_stamp;
  Files files;
};

AttributeFileStore::AttributeFileStore(std::string dict_path, bool fsync)
    : dict_path_(std::move(dict_path)),
      changes_path_(changes_path_for(dict_path_)),
      fsync_(fsync) {}

std::string AttributeFileStore::changes_path_for(const std::string& dict_path) {
  if (basename_of(dict_path) == kAttributeDictFile)
    return path_join(dirname_of(dict_path), kAttributeChangesFile);
  return dict_path + ".roost";
}

std::shared_ptr<const AttributeFileStore::Cached> AttributeFileStore::read_cached() {
  // Stamped before reading: a change during the read makes the next call
  // read again rather than keep a stale copy.
  FileStamp dict_stamp(dict_path_);
  FileStamp changes_stamp(changes_path_);
  if (!cache_ || !(cache_->dict_stamp == dict_stamp) || !(cache_->changes_stamp == changes_stamp))
    cache_ = std::make_shared<const Cached>(
        Cached{dict_stamp, changes_stamp, Files(dict_path_, changes_path_)});
  return cache_;
}

std::vector<MailboxAttribute> AttributeFileStore::list(const Guid128& mailbox) {
  auto cached = read_cached();
  const Files& f = cached->files;
  std::vector<MailboxAttribute> out;
  for (AttributeType type : {AttributeType::kPrivate, AttributeType::kShared}) {
    std::string prefix = attribute_dict_prefix(type, mailbox);
    auto in_range = [&](const std::string& k) { return k.compare(0, prefix.size(), prefix) == 0; };
    std::vector<std::string> keys;
    for (auto it = f.dict.lower_bound(prefix); it != f.dict.end() && in_range(it->first); ++it)
      keys.push_back(it->first);
    for (auto it = f.changes.lower_bound(prefix); it != f.changes.end() && in_range(it->first);
         ++it)
      if (!f.dict.count(it->first)) keys.push_back(it->first);
    for (const auto& full : keys)
      if (full.size() > prefix.size())
        if (auto a = f.get(full, type, full.substr(prefix.size()))) out.push_back(std::move(*a));
  }
  std::sort(out.begin(), out.end(), [](const MailboxAttribute& a, const MailboxAttribute& b) {
    return std::tie(a.type, a.key) < std::tie(b.type, b.key);
  });
  return out;
}

bool AttributeFileStore::empty() {
  return !path_exists(dict_path_) && !path_exists(changes_path_);
}

void AttributeFileStore::set(const Guid128& mailbox, const MailboxAttribute& attr) {
  if (attr.key.empty())
    throw Error(kExitUsage, "a mailbox attribute needs a key (e.g. /private/comment)");
  make_dirs(dirname_of(dict_path_));
  DotLock lock = DotLock::acquire(dict_path_);
  Files f(dict_path_, changes_path_);
  uint64_t modseq = 0;
  for (const auto& [k, c] : f.changes) modseq = std::max(modseq, c.modseq);
  std::string key = attribute_dict_key(attr.type, mailbox, attr.key);
  AttributeChange change;
  change.last_change = attr.last_change ? attr.last_change : now();
  change.modseq = modseq + 1;
  change.deleted = attr.deleted;
  if (auto old = f.changes.find(key); old != f.changes.end())
    change.synced_hash = old->second.synced_hash;
  if (attr.deleted) {
    f.dict.erase(key);
  } else {
    f.dict[key] = attr.value;
    change.value_hash = attribute_value_hash(attr.value);
  }
  f.changes[key] = change;
  // The side file first: a crash before the dict's rename leaves the old
  // value, which then reads as changed by another program (no data lost).
  write_file_atomic(changes_path_, serialize_attribute_changes(f.changes));
  lock.write_content(serialize_attribute_dict(f.dict));
  lock.commit_replace(fsync_);
}

void AttributeFileStore::remove_mailbox(const Guid128& mailbox) {
  if (mailbox.empty() || empty()) return;
  DotLock lock = DotLock::acquire(dict_path_);
  Files f(dict_path_, changes_path_);
  size_t before = f.dict.size() + f.changes.size();
  for (AttributeType type : {AttributeType::kPrivate, AttributeType::kShared}) {
    std::string prefix = attribute_dict_prefix(type, mailbox);
    auto drop = [&](auto& m) {
      auto it = m.lower_bound(prefix);
      while (it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0) it = m.erase(it);
    };
    drop(f.dict);
    drop(f.changes);
  }
  if (f.dict.size() + f.changes.size() == before) {
    lock.release();
    return;
  }
  write_file_atomic(changes_path_, serialize_attribute_changes(f.changes));
  lock.write_content(serialize_attribute_dict(f.dict));
  lock.commit_replace(fsync_);
}

void AttributeFileStore::mark_synced(const Guid128& mailbox,
                                     const std::vector<MailboxAttribute>& agreed) {
  make_dirs(dirname_of(dict_path_));
  DotLock lock = DotLock::acquire(dict_path_);
  Files f(dict_path_, changes_path_);
  bool changed = false;
  for (const auto& a : agreed) {
    std::string full = attribute_dict_key(a.type, mailbox, a.key);
    auto cur = f.get(full, a.type, a.key);
    uint64_t h = attribute_state_hash(a);
    if (!cur || attribute_state_hash(*cur) != h || cur->synced_hash == h) continue;
    AttributeChange& c = f.changes[full];
    c.last_change = cur->last_change;
    c.modseq = cur->modseq;
    c.deleted = cur->deleted;
    c.value_hash = cur->deleted ? 0 : attribute_value_hash(cur->value);
    c.synced_hash = h;
    changed = true;
  }
  if (changed) write_file_atomic(changes_path_, serialize_attribute_changes(f.changes));
  lock.release();
}

}  // namespace roost
