#include "formats/mbox/mbox_storage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "formats/list/attribute_dict_setting.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "formats/list/deleted_mailboxes_file.hpp"
#include "formats/list/mailbox_deleted.hpp"
#include "formats/list/subscriptions_file.hpp"
#include "formats/list/uidvalidity_file.hpp"
#include "lib/dotlock.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/imap/mutf7.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
constexpr const char* kIndexDirName = ".imap";
constexpr const char* kSubscriptionsName = ".subscriptions";

// A dotlock's temp file ("<file>.lock.tmp.<pid>.<n>" while taking it,
// "<file>.lock.tmp" for new content) that a killed writer left behind is
// no mailbox either: listed, it would be synced as one and fail to parse.
bool is_dotlock_temp(std::string_view n) {
  size_t at = n.rfind(".lock.tmp");
  if (at == std::string_view::npos) return false;
  std::string_view rest = n.substr(at + 9);
  if (rest.empty()) return true;
  if (rest[0] != '.') return false;
  rest.remove_prefix(1);
  size_t dot = rest.find('.');
  return dot != std::string_view::npos && parse_u64(rest.substr(0, dot)) &&
         parse_u64(rest.substr(dot + 1));
}

bool is_internal_name(const std::string& n) {
  return n.empty() || n[0] == '.' || n.ends_with(".lock") || is_dotlock_temp(n);
}
}  // namespace

void register_mbox_driver() {
  register_storage_driver("mbox", [](const MailLocation& loc, const StorageSettings& s) {
    return std::unique_ptr<MailStorage>(new MboxStorage(loc, s));
  });
}

MboxStorage::MboxStorage(const MailLocation& location, const StorageSettings& settings)
    : location_(location),
      settings_(settings),
      separator_(settings.separator ? settings.separator : '/') {
  if (location_.root.empty())
    throw Error(kExitConfig,
                "mbox mail_location has no root directory; set mail_location = mbox:~/mail");
}

std::string MboxStorage::inbox_path() const {
  return location_.inbox.empty() ? path_join(location_.root, "inbox") : location_.inbox;
}

std::string MboxStorage::relative_path(const std::string& name) const {
  validate_mailbox_name(name, separator_);
  std::vector<std::string> parts;
  for (const auto& p : split(name, separator_)) {
    std::string d = location_.utf8 ? p : mutf7_encode(p);
    if (d.find('/') != std::string::npos || is_internal_name(d))
      throw Error(kExitUsage, "mailbox name '" + name + "' can't be stored in mbox (component '" +
                                  p + "' is reserved or contains '/')");
    parts.push_back(d);
  }
  return join(parts, "/");
}

MboxPaths MboxStorage::paths_of(const std::string& name) const {
  MboxPaths p;
  p.control_dir = path_join(location_.root, kIndexDirName);
  std::string idx_root =
      location_.index.empty() || location_.index == "MEMORY" ? "" : location_.index;
  if (iequals(name, "INBOX")) {
    p.file = inbox_path();
    p.index_dir = path_join(idx_root.empty() ? location_.root : idx_root, ".imap/INBOX");
    return p;
  }
  std::string rel = relative_path(name);
  p.file = path_join(location_.root, rel);
  std::string base = idx_root.empty() ? location_.root : idx_root;
  p.index_dir = path_join(
      path_join(path_join(base, dirname_of(rel) == "." ? "" : dirname_of(rel)), kIndexDirName),
      basename_of(rel));
  return p;
}

void MboxStorage::list_dir_into(const std::string& dir, const std::string& prefix,
                                std::vector<MailboxInfo>& out) const {
  for (const auto& n : list_dir(dir)) {
    if (is_internal_name(n)) continue;
    std::string full = path_join(dir, n);
    if (prefix.empty() && full == inbox_path()) continue;
    std::string vname = prefix + (location_.utf8 ? n : mutf7_decode(n));
    if (prefix.empty() && iequals(vname, "INBOX")) continue;
    MailboxInfo info;
    info.name = vname;
    if (is_dir(full)) {
      info.selectable = false;
      size_t before = out.size();
      out.push_back(info);
      list_dir_into(full, vname + separator_, out);
      out[before].has_children = out.size() > before + 1;
    } else {
      out.push_back(info);
    }
  }
}

std::vector<MailboxInfo> MboxStorage::list_mailboxes() {
  std::vector<MailboxInfo> out;
  MailboxInfo inbox;
  inbox.name = "INBOX";
  out.push_back(inbox);
  list_dir_into(location_.root, "", out);
  auto subs = subscriptions();
  for (auto& i : out)
    for (const auto& s : subs) i.subscribed = i.subscribed || s == i.name;
  return out;
}

bool MboxStorage::mailbox_exists(const std::string& name) {
  if (iequals(name, "INBOX")) return true;
  std::string f = paths_of(name).file;
  return path_exists(f) && !is_dir(f);
}

void MboxStorage::create_mailbox(const std::string& name, const Guid128& guid) {
  MboxPaths p = paths_of(name);
  if (iequals(name, "INBOX") && !path_exists(p.file)) {
    make_dirs(dirname_of(p.file));
  } else if (path_exists(p.file)) {
    throw Error(kExitCantCreat, "mailbox " + name + " already exists");
  }
  make_dirs(dirname_of(p.file));
  int fd = ::open(p.file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) throw Error(kExitCantCreat, "mailbox " + name + " already exists");
    throw_errno("cannot create mailbox file", p.file);
  }
  ::close(fd);
  make_dirs(p.index_dir);
  // The mailbox GUID lives in Roost's index (mbox files have no place for it).
  if (!guid.empty()) open_mailbox(name)->update({guid, 0, 0});
}

void MboxStorage::delete_mailbox(const std::string& name) {
  // The GUID is read before the files go; the log entry is written after,
  // so a crash in between leaves at worst a delete a peer may undo.
  Guid128 guid;
  try {
    guid = open_mailbox(name)->status().guid;
  } catch (const Error&) {
    // \NoSelect parents and broken mailboxes have no GUID to remember.
  }
  delete_mailbox_files(name);
  record_mailbox_deleted(list_dir_path(), guid, settings_);
}

std::vector<DeletedMailbox> MboxStorage::deleted_mailboxes() {
  return read_deleted_mailboxes(list_dir_path());
}

std::vector<MailboxListChange> MboxStorage::mailbox_list_changes() {
  return read_mailbox_list_changes(list_dir_path());
}

std::string MboxStorage::list_dir_name() const {
  // Not the root itself: every file there is a mailbox.
  return path_join(location_.control.empty() ? location_.root : location_.control, kIndexDirName);
}

std::string MboxStorage::list_dir_path() const {
  std::string dir = list_dir_name();
  make_dirs(dir);
  return dir;
}

void MboxStorage::delete_mailbox_files(const std::string& name) {
  if (iequals(name, "INBOX")) throw Error(kExitUsage, "INBOX can't be deleted");
  MboxPaths p = paths_of(name);
  if (is_dir(p.file)) {
    if (::rmdir(p.file.c_str()) < 0) {
      if (errno == ENOTEMPTY || errno == EEXIST)
        throw Error(kExitFailure, "mailbox " + name + " has children; delete them first");
      throw_errno("cannot delete", p.file);
    }
    return;
  }
  if (!path_exists(p.file)) throw Error(kExitNotFound, "mailbox " + name + " doesn't exist");
  DotLock lock = DotLock::acquire(p.file);
  if (::unlink(p.file.c_str()) < 0) throw_errno("cannot delete", p.file);
  lock.release();
  remove_tree(p.index_dir);
}

void MboxStorage::rename_mailbox(const std::string& from, const std::string& to) {
  if (iequals(from, "INBOX")) throw Error(kExitUsage, "renaming INBOX isn't supported for mbox");
  MboxPaths a = paths_of(from), b = paths_of(to);
  if (!path_exists(a.file)) throw Error(kExitNotFound, "mailbox " + from + " doesn't exist");
  if (path_exists(b.file)) throw Error(kExitCantCreat, "mailbox " + to + " already exists");
  make_dirs(dirname_of(b.file));
  if (::rename(a.file.c_str(), b.file.c_str()) < 0) throw_errno("cannot rename", a.file);
  if (path_exists(a.index_dir)) {
    make_dirs(dirname_of(b.index_dir));
    ::rename(a.index_dir.c_str(), b.index_dir.c_str());
  }
  record_mailbox_renamed(*this, list_dir_path(), to);
}

std::vector<std::string> MboxStorage::subscriptions() {
  auto data = read_file_if_exists(path_join(location_.root, kSubscriptionsName));
  if (!data) return {};
  return parse_subscriptions(*data, separator_, location_.utf8);
}

void MboxStorage::set_subscribed(const std::string& name, bool subscribed) {
  make_dirs(location_.root);
  std::string path = path_join(location_.root, kSubscriptionsName);
  DotLock lock = DotLock::acquire(path);
  std::vector<std::string> names;
  if (auto data = read_file_if_exists(path)) names = parse_subscriptions(*data, separator_, location_.utf8);
  std::vector<std::string> out;
  bool have = false;
  for (const auto& n : names) {
    if (n == name) {
      have = true;
      if (!subscribed) continue;
    }
    out.push_back(n);
  }
  if (subscribed && !have) out.push_back(name);
  lock.write_content(serialize_subscriptions(out, separator_, location_.utf8));
  lock.commit_replace(settings_.fsync);
  if (subscribed != have) record_subscription_change(list_dir_path(), name, subscribed);
}

std::unique_ptr<Mailbox> MboxStorage::open_mailbox(const std::string& name) {
  std::string vname = iequals(name, "INBOX") ? "INBOX" : name;
  MboxPaths p = paths_of(vname);
  if (vname != "INBOX" && (!path_exists(p.file) || is_dir(p.file)))
    throw Error(kExitNotFound, "mailbox " + name + " doesn't exist");
  auto box = std::make_unique<MboxMailbox>(vname, p, settings_.fsync);
  // One store for all the storage's mailboxes: it reads the files once
  // per change.
  if (!attribute_store_) attribute_store_ = open_attribute_store(list_dir_name(), settings_);
  box->attach_attribute_store(attribute_store_);
  return box;
}

}  // namespace roost
