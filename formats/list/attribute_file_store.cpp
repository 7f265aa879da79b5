#include "formats/list/attribute_file_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <tuple>

#include "formats/list/attribute_changes_file.hpp"
#include "formats/list/attribute_dict_file.hpp"
#include "lib/dotlock.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {
namespace {

int64_t mtime_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0) return static_cast<int64_t>(::time(nullptr));
  return static_cast<int64_t>(st.st_mtime);
}

}  // namespace

AttributeFileStore::AttributeFileStore(std::string dir, bool fsync)
    : dir_(std::move(dir)), fsync_(fsync) {}

std::vector<MailboxAttribute> AttributeFileStore::list(const Guid128& mailbox) {
  std::string dict_path = path_join(dir_, kAttributeDictFile);
  auto dict_data = read_file_if_exists(dict_path);
  AttributeDict dict = dict_data ? parse_attribute_dict(*dict_data) : AttributeDict{};
  auto changes_data = read_file_if_exists(path_join(dir_, kAttributeChangesFile));
  AttributeChanges changes =
      changes_data ? parse_attribute_changes(*changes_data) : AttributeChanges{};
  int64_t dict_mtime = dict_data ? mtime_of(dict_path) : static_cast<int64_t>(::time(nullptr));

  std::vector<MailboxAttribute> out;
  for (AttributeType type : {AttributeType::kPrivate, AttributeType::kShared}) {
    std::string prefix = attribute_dict_prefix(type, mailbox);
    auto in_range = [&](const std::string& k) { return k.compare(0, prefix.size(), prefix) == 0; };
    for (auto it = dict.lower_bound(prefix); it != dict.end() && in_range(it->first); ++it) {
      MailboxAttribute a;
      a.type = type;
      a.key = it->first.substr(prefix.size());
      a.value = it->second;
      auto c = changes.find(it->first);
      if (c != changes.end() && !c->second.deleted &&
          c->second.value_hash == attribute_value_hash(it->second)) {
        a.last_change = c->second.last_change;
        a.modseq = c->second.modseq;
      } else {
        a.last_change = dict_mtime;  // set by another program
      }
      if (!a.key.empty()) out.push_back(std::move(a));
    }
    for (auto it = changes.lower_bound(prefix); it != changes.end() && in_range(it->first); ++it) {
      if (dict.count(it->first)) continue;
      MailboxAttribute a;
      a.type = type;
      a.key = it->first.substr(prefix.size());
      a.deleted = true;
      // Deleted through Roost, or (still marked set) removed by another program.
      a.last_change = it->second.deleted ? it->second.last_change : dict_mtime;
      a.modseq = it->second.deleted ? it->second.modseq : 0;
      if (!a.key.empty()) out.push_back(std::move(a));
    }
  }
  std::sort(out.begin(), out.end(), [](const MailboxAttribute& a, const MailboxAttribute& b) {
    return std::tie(a.type, a.key) < std::tie(b.type, b.key);
  });
  return out;
}

void AttributeFileStore::set(const Guid128& mailbox, const MailboxAttribute& attr) {
  if (attr.key.empty())
    throw Error(kExitUsage, "a mailbox attribute needs a key (e.g. /private/comment)");
  make_dirs(dir_);
  std::string dict_path = path_join(dir_, kAttributeDictFile);
  std::string changes_path = path_join(dir_, kAttributeChangesFile);
  DotLock lock = DotLock::acquire(dict_path);
  auto dict_data = read_file_if_exists(dict_path);
  AttributeDict dict = dict_data ? parse_attribute_dict(*dict_data) : AttributeDict{};
  auto changes_data = read_file_if_exists(changes_path);
  AttributeChanges changes =
      changes_data ? parse_attribute_changes(*changes_data) : AttributeChanges{};

  uint64_t modseq = 0;
  for (const auto& [k, c] : changes) modseq = std::max(modseq, c.modseq);
  std::string key = attribute_dict_key(attr.type, mailbox, attr.key);
  AttributeChange change;
  change.last_change = attr.last_change ? attr.last_change : static_cast<int64_t>(::time(nullptr));
  change.modseq = modseq + 1;
  change.deleted = attr.deleted;
  if (attr.deleted) {
    dict.erase(key);
  } else {
    dict[key] = attr.value;
    change.value_hash = attribute_value_hash(attr.value);
  }
  changes[key] = change;
  // The side file first: a crash before the dict's rename leaves the old
  // value, which then reads as changed by another program (no data lost).
  write_file_atomic(changes_path, serialize_attribute_changes(changes));
  lock.write_content(serialize_attribute_dict(dict));
  lock.commit_replace(fsync_);
}

}  // namespace roost
