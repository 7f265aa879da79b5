#include "formats/maildir/maildir_storage.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>

#include "formats/list/attribute_dict_setting.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "formats/list/deleted_mailboxes_file.hpp"
#include "formats/list/mailbox_deleted.hpp"
#include "formats/list/subscriptions_file.hpp"
#include "lib/dotlock.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/imap/mutf7.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
bool is_inbox(const std::string& name) { return iequals(name, "INBOX"); }
bool reserved_fs_name(const std::string& c) { return c == "cur" || c == "new" || c == "tmp"; }
}  // namespace

MaildirStorage::MaildirStorage(const MailLocation& location, const StorageSettings& settings)
    : location_(location), settings_(settings) {
  std::string layout = to_lower(location.layout);
  if (layout.empty() || layout == "maildir++") {
    fs_layout_ = false;
  } else if (layout == "fs") {
    fs_layout_ = true;
  } else {
    throw Error(kExitConfig, "unsupported LAYOUT=" + location.layout +
                                 " for maildir (use maildir++ or fs)");
  }
  if (location_.root.empty()) throw Error(kExitConfig, "maildir mail_location has no root directory");
  separator_ = settings.separator ? settings.separator : (fs_layout_ ? '/' : '.');
}

std::string MaildirStorage::disk_component(const std::string& component) const {
  std::string c = location_.utf8 ? component : mutf7_encode(component);
  if (!fs_layout_ && c.find('.') != std::string::npos)
    throw Error(kExitUsage, "mailbox name component '" + component +
                                "' contains '.', which Maildir++ can't store");
  if (fs_layout_ && c[0] == '.')
    throw Error(kExitUsage, "mailbox name component '" + component +
                                "' starts with '.', which LAYOUT=fs would hide");
  if (c.find('/') != std::string::npos)
    throw Error(kExitUsage, "mailbox name component '" + component + "' contains '/'");
  if (fs_layout_ && reserved_fs_name(c))
    throw Error(kExitUsage, "mailbox name component '" + component +
                                "' is reserved by Maildir (cur/new/tmp)");
  return c;
}

std::string MaildirStorage::virtual_component(const std::string& disk) const {
  if (location_.utf8) return disk;
  try {
    return mutf7_decode(disk);
  } catch (const Error&) {
    return disk;  // not valid mUTF-7 (written by another tool): show it raw
  }
}

std::string MaildirStorage::relative_dir(const std::string& name) const {
  validate_mailbox_name(name, separator_);
  if (is_inbox(name)) return "";
  std::vector<std::string> parts;
  for (const auto& p : split(name, separator_)) parts.push_back(disk_component(p));
  if (fs_layout_) return join(parts, "/");
  return "." + join(parts, ".");
}

MaildirPaths MaildirStorage::paths_of(const std::string& name) const {
  std::string rel = relative_dir(name);
  MaildirPaths p;
  p.root = location_.root;
  if (rel.empty() && !location_.inbox.empty()) {
    p.mail_dir = location_.inbox;
  } else {
    p.mail_dir = rel.empty() ? location_.root : path_join(location_.root, rel);
  }
  p.control_dir = location_.control.empty()
                      ? p.mail_dir
                      : (rel.empty() ? location_.control : path_join(location_.control, rel));
  if (location_.index == "MEMORY") {
    p.index_dir = "";
  } else if (location_.index.empty()) {
    p.index_dir = p.mail_dir;
  } else {
    p.index_dir = rel.empty() ? location_.index : path_join(location_.index, rel);
  }
  return p;
}

bool MaildirStorage::mailbox_exists(const std::string& name) {
  return is_dir(path_join(paths_of(name).mail_dir, "cur"));
}

std::string MaildirStorage::subscriptions_path() const {
  std::string dir = location_.control.empty() ? location_.root : location_.control;
  return path_join(dir, location_.subscriptions.empty() ? "subscriptions" : location_.subscriptions);
}

std::vector<std::string> MaildirStorage::subscriptions() {
  auto data = read_file_if_exists(subscriptions_path());
  if (!data) return {};
  return parse_subscriptions(*data, separator_, location_.utf8);
}

void MaildirStorage::set_subscribed(const std::string& name, bool subscribed) {
  validate_mailbox_name(name, separator_);
  std::string canon = is_inbox(name) ? "INBOX" : name;
  std::string path = subscriptions_path();
  make_dirs(dirname_of(path));
  DotLock lock = DotLock::acquire(path);
  std::vector<std::string> names;
  if (auto data = read_file_if_exists(path)) names = parse_subscriptions(*data, separator_, location_.utf8);
  auto it = std::find(names.begin(), names.end(), canon);
  if (subscribed == (it != names.end())) return;
  if (subscribed)
    names.push_back(canon);
  else
    names.erase(it);
  lock.write_content(serialize_subscriptions(names, separator_, location_.utf8));
  lock.commit_replace(settings_.fsync);
  record_subscription_change(list_dir_path(), canon, subscribed);
}

void MaildirStorage::list_fs(const std::string& dir, const std::string& prefix,
                             std::vector<MailboxInfo>& out) const {
  for (const auto& entry : list_dir(dir)) {
    if (entry.empty() || entry[0] == '.' || reserved_fs_name(entry)) continue;
    std::string path = path_join(dir, entry);
    if (!is_dir(path)) continue;
    if (!location_.inbox.empty() && path == location_.inbox) continue;
    MailboxInfo info;
    info.name = prefix + virtual_component(entry);
    if (prefix.empty() && is_inbox(info.name)) continue;  // INBOX is listed once
    info.selectable = is_dir(path_join(path, "cur"));
    size_t before = out.size();
    out.push_back(info);
    list_fs(path, info.name + separator_, out);
    out[before].has_children = out.size() > before + 1;
  }
}

std::vector<MailboxInfo> MaildirStorage::list_mailboxes() {
  std::map<std::string, MailboxInfo> boxes;
  MailboxInfo inbox;
  inbox.name = "INBOX";
  boxes["INBOX"] = inbox;
  if (fs_layout_) {
    std::vector<MailboxInfo> found;
    list_fs(location_.root, "", found);
    for (auto& b : found) boxes[b.name] = b;
  } else {
    for (const auto& entry : list_dir(location_.root)) {
      if (entry.size() < 2 || entry[0] != '.' || entry == "..") continue;
      if (!is_dir(path_join(location_.root, entry))) continue;
      if (entry.find("DOVECOT-TRASHED") != std::string::npos) continue;
      std::vector<std::string> parts;
      for (const auto& p : split(entry.substr(1), '.')) parts.push_back(virtual_component(p));
      if (std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); }))
        continue;
      MailboxInfo info;
      info.name = join(parts, std::string(1, separator_));
      info.selectable = true;
      boxes[info.name] = info;
      // Parents that have no directory of their own.
      std::string parent;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        parent += (i ? std::string(1, separator_) : "") + parts[i];
        if (!boxes.count(parent)) {
          MailboxInfo p;
          p.name = parent;
          p.selectable = false;
          boxes[parent] = p;
        }
      }
    }
    for (auto& [name, info] : boxes) {
      std::string prefix = name + separator_;
      auto it = boxes.lower_bound(prefix);
      info.has_children = it != boxes.end() && it->first.compare(0, prefix.size(), prefix) == 0;
    }
  }
  auto subs = subscriptions();
  std::vector<MailboxInfo> out;
  out.push_back(boxes["INBOX"]);
  for (auto& [name, info] : boxes) {
    if (name == "INBOX") continue;
    out.push_back(info);
  }
  for (auto& b : out) b.subscribed = std::find(subs.begin(), subs.end(), b.name) != subs.end();
  return out;
}

void MaildirStorage::create_mailbox(const std::string& name, const Guid128& guid) {
  MaildirPaths p = paths_of(name);
  if (is_dir(path_join(p.mail_dir, "cur")))
    throw Error(kExitCantCreat, "mailbox " + name + " already exists");
  make_dirs(p.mail_dir);
  for (const char* sub : {"cur", "new", "tmp"}) make_dirs(path_join(p.mail_dir, sub));
  if (!fs_layout_ && !is_inbox(name)) {
    std::string marker = path_join(p.mail_dir, "maildirfolder");
    if (!path_exists(marker)) write_file_atomic(marker, "", 0600);
  }
  MaildirMailbox::create_uidlist(p, guid, settings_.fsync);
}

void MaildirStorage::delete_mailbox(const std::string& name) {
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

std::vector<DeletedMailbox> MaildirStorage::deleted_mailboxes() {
  return read_deleted_mailboxes(list_dir_path());
}

std::vector<MailboxListChange> MaildirStorage::mailbox_list_changes() {
  return read_mailbox_list_changes(list_dir_path());
}

std::string MaildirStorage::list_dir_path() const {
  return location_.control.empty() ? location_.root : location_.control;
}

void MaildirStorage::delete_mailbox_files(const std::string& name) {
  if (is_inbox(name)) throw Error(kExitUsage, "INBOX can't be deleted");
  MaildirPaths p = paths_of(name);
  if (!is_dir(path_join(p.mail_dir, "cur")))
    throw Error(kExitNotFound, "mailbox " + name + " doesn't exist");
  bool has_children = false;
  if (fs_layout_) {
    for (const auto& e : list_dir(p.mail_dir))
      if (!reserved_fs_name(e) && e[0] != '.' && is_dir(path_join(p.mail_dir, e)))
        has_children = true;
  }
  if (has_children) {
    // LAYOUT=fs: the children live inside; keep the dir as a \NoSelect parent.
    for (const char* sub : {"cur", "new", "tmp"}) remove_tree(path_join(p.mail_dir, sub));
    for (const auto& e : list_dir(p.mail_dir))
      if (!is_dir(path_join(p.mail_dir, e))) ::unlink(path_join(p.mail_dir, e).c_str());
  } else {
    // Rename first so a crash never leaves a half-deleted but visible mailbox.
    std::string trash = path_join(dirname_of(p.mail_dir),
                                  ".DOVECOT-TRASHED." + std::to_string(::getpid()));
    if (::rename(p.mail_dir.c_str(), trash.c_str()) < 0) throw_errno("cannot delete", p.mail_dir);
    remove_tree(trash);
  }
  if (p.control_dir != p.mail_dir && is_dir(p.control_dir) && !has_children)
    remove_tree(p.control_dir);
  if (!p.index_dir.empty() && p.index_dir != p.mail_dir && is_dir(p.index_dir) && !has_children)
    remove_tree(p.index_dir);
}

void MaildirStorage::rename_mailbox(const std::string& from, const std::string& to) {
  if (is_inbox(from) || is_inbox(to))
    throw Error(kExitUsage, "renaming INBOX (or to INBOX) is not supported for maildir");
  MaildirPaths src = paths_of(from);
  MaildirPaths dst = paths_of(to);
  std::string to_prefix = to + separator_;
  std::string from_prefix = from + separator_;
  bool has_children = false;
  if (!fs_layout_)
    for (const auto& b : list_mailboxes())
      if (b.name.compare(0, from_prefix.size(), from_prefix) == 0) has_children = true;
  // A Maildir++ parent may exist only through its children (.From.Child).
  if (!is_dir(src.mail_dir) && !has_children)
    throw Error(kExitNotFound, "mailbox " + from + " doesn't exist");
  if (path_exists(dst.mail_dir)) throw Error(kExitCantCreat, "mailbox " + to + " already exists");
  if (to.compare(0, from_prefix.size(), from_prefix) == 0)
    throw Error(kExitUsage, "can't rename mailbox " + from + " under itself");
  auto move_dir = [](const std::string& a, const std::string& b) {
    if (!is_dir(a)) return;
    make_dirs(dirname_of(b));
    if (::rename(a.c_str(), b.c_str()) < 0) throw_errno("cannot rename", a);
  };
  // Children first (Maildir++ keeps them as siblings: .From.Child).
  std::vector<std::pair<std::string, std::string>> moves;
  if (!fs_layout_) {
    for (const auto& b : list_mailboxes())
      if (b.name.compare(0, from_prefix.size(), from_prefix) == 0 && b.selectable)
        moves.emplace_back(b.name, to_prefix + b.name.substr(from_prefix.size()));
  }
  moves.emplace_back(from, to);
  for (const auto& [a, b] : moves) {
    MaildirPaths pa = paths_of(a), pb = paths_of(b);
    move_dir(pa.mail_dir, pb.mail_dir);
    if (pa.control_dir != pa.mail_dir) move_dir(pa.control_dir, pb.control_dir);
    if (!pa.index_dir.empty() && pa.index_dir != pa.mail_dir) move_dir(pa.index_dir, pb.index_dir);
  }
  record_mailbox_renamed(*this, list_dir_path(), to);
}

std::unique_ptr<Mailbox> MaildirStorage::open_mailbox(const std::string& name) {
  MaildirPaths p = paths_of(name);
  if (!is_dir(path_join(p.mail_dir, "cur"))) {
    if (is_inbox(name)) {
      // INBOX always exists: create it on first use, as Dovecot does.
      create_mailbox("INBOX");
    } else if (!fs_layout_ && is_dir(p.mail_dir)) {
      // A Maildir++ folder directory without cur/ (a create interrupted
      // by a crash, or a client that made only the directory) is listed as
      // a mailbox: fill in the subdirectories on open, as Dovecot does.
      for (const char* sub : {"cur", "new", "tmp"}) make_dirs(path_join(p.mail_dir, sub));
    } else {
      throw Error(kExitNotFound, "mailbox " + name + " doesn't exist");
    }
  }
  for (const char* sub : {"new", "tmp"}) make_dirs(path_join(p.mail_dir, sub));
  auto box = std::make_unique<MaildirMailbox>(is_inbox(name) ? "INBOX" : name, p, settings_.fsync,
                                              settings_.save_compression);
  // One store for all the storage's mailboxes: it reads the files once
  // per change.
  if (!attribute_store_) attribute_store_ = open_attribute_store(list_dir_path(), settings_);
  box->attach_attribute_store(attribute_store_);
  return box;
}

void register_maildir_driver() {
  register_storage_driver("maildir", [](const MailLocation& loc, const StorageSettings& set) {
    return std::unique_ptr<MailStorage>(new MaildirStorage(loc, set));
  });
}

}  // namespace roost
