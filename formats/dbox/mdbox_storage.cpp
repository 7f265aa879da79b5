#include "formats/dbox/mdbox_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_mailbox_list.hpp"
#include "formats/dbox/dbox_message_header.hpp"
#include "formats/dbox/dbox_paths.hpp"
#include "formats/dbox/mdbox_mailbox.hpp"
#include "formats/list/attribute_dict_setting.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "formats/list/deleted_mailboxes_file.hpp"
#include "formats/list/mailbox_deleted.hpp"
#include "formats/list/subscriptions_update.hpp"
#include "formats/list/uidvalidity_file.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/imap/mutf7.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
constexpr const char* kMailboxDir = kDboxMailboxesDir;
constexpr const char* kMailDir = kDboxMailDir;
bool is_inbox(const std::string& name) {
  return iequals(name, "INBOX");
}

uint64_t unit_value(const std::string& text, const std::string& key,
                    const std::vector<std::pair<std::string, uint64_t>>& units) {
  std::string t(trim(text));
  size_t i = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  auto num = parse_u64(t.substr(0, i));
  std::string unit = to_lower(trim(t.substr(i)));
  if (!num) throw Error(kExitConfig, key + " = '" + text + "' is not a number with a unit");
  if (unit.empty()) return *num;
  for (const auto& [name, mult] : units)
    if (unit == name) return *num * mult;
  throw Error(kExitConfig, key + " = '" + text + "' has an unknown unit '" + unit + "'");
}
}  // namespace

std::string mdbox_file_name(uint32_t file_id) {
  return "m." + std::to_string(file_id);
}

std::vector<uint32_t> mdbox_file_ids(const std::string& dir) {
  std::vector<uint32_t> ids;
  for (const auto& name : list_dir(dir)) {
    if (name.rfind("m.", 0) != 0) continue;
    auto id = parse_u32(name.substr(2));
    if (id && *id) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

uint64_t parse_mdbox_size(const std::string& text, const std::string& key) {
  const uint64_t k = 1024;
  return unit_value(text, key,
                    {{"b", 1},
                     {"k", k},
                     {"kb", k},
                     {"m", k * k},
                     {"mb", k * k},
                     {"g", k * k * k},
                     {"gb", k * k * k},
                     {"t", k * k * k * k},
                     {"tb", k * k * k * k}});
}

int64_t parse_mdbox_interval(const std::string& text, const std::string& key) {
  return static_cast<int64_t>(unit_value(text, key,
                                         {{"s", 1},
                                          {"sec", 1},
                                          {"secs", 1},
                                          {"second", 1},
                                          {"seconds", 1},
                                          {"m", 60},
                                          {"min", 60},
                                          {"mins", 60},
                                          {"minute", 60},
                                          {"minutes", 60},
                                          {"h", 3600},
                                          {"hour", 3600},
                                          {"hours", 3600},
                                          {"d", 86400},
                                          {"day", 86400},
                                          {"days", 86400},
                                          {"w", 604800},
                                          {"week", 604800},
                                          {"weeks", 604800}}));
}

MdboxStorage::MdboxStorage(const MailLocation& location, const StorageSettings& settings)
    : location_(location), storage_settings_(settings) {
  if (location_.root.empty()) throw Error(kExitConfig, "mdbox mail_location has no root directory");
  separator_ = settings.separator ? settings.separator : '/';
  settings_.fsync = settings.fsync;
  settings_.save_compression = settings.save_compression;
  auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = settings.settings.find(key);
    if (it == settings.settings.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  if (auto v = get("mdbox_rotate_size"))
    settings_.rotate_size = parse_mdbox_size(*v, "mdbox_rotate_size");
  if (auto v = get("mdbox_rotate_interval"))
    settings_.rotate_interval = parse_mdbox_interval(*v, "mdbox_rotate_interval");
  if (settings_.rotate_size == 0) settings_.rotate_size = 1;
  // mdbox_preallocate_space is not used: files grow by appends only.
  make_dirs(storage_dir());
  make_dirs(path_join(location_.root, kMailboxDir));
  ensure_alt_link();
  map_ = std::make_unique<MdboxMap>(storage_dir(), settings_.fsync);
  // A store Dovecot wrote brings its map's UIDVALIDITY along.
  import_dovecot_if_changed();
  if (map_->header().uid_validity == 0) {
    auto lock = map_->lock();
    MdboxMapHeader h = map_->header();
    if (h.uid_validity == 0) {
      h.uid_validity = allocate_uidvalidity(location_.root);
      MdboxMap::Txn t(*map_);
      t.set_header(h);
      t.commit();
    }
  }
}

MdboxStorage::~MdboxStorage() {
  if (!map_changed_ && changed_mailboxes_.empty()) return;
  try {
    export_dovecot_indexes();
  } catch (const std::exception& e) {
    // Roost's own indexes are complete; Dovecot rebuilds from the files.
    std::fprintf(stderr, "roost: warning: could not update Dovecot's index files in %s: %s\n",
                 location_.root.c_str(), e.what());
  }
}

void MdboxStorage::mark_changed(const std::string& mailbox) {
  if (!settings_.write_dovecot_indexes) return;
  map_changed_ = true;
  if (!mailbox.empty()) changed_mailboxes_.insert(mailbox);
}

std::string MdboxStorage::storage_dir() const {
  return path_join(location_.root, "storage");
}

std::string MdboxStorage::alt_storage_dir() const {
  return location_.alt.empty() ? "" : path_join(location_.alt, "storage");
}

void MdboxStorage::ensure_alt_link() {
  if (location_.alt.empty()) return;
  // Dovecot records the ALT path in this symlink and rebuilds when it
  // differs from the configured one.
  std::string link = path_join(location_.root, "dbox-alt-root");
  char buf[4096];
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  if (n >= 0 && std::string(buf, static_cast<size_t>(n)) == location_.alt) return;
  if (n >= 0) ::unlink(link.c_str());
  if (::symlink(location_.alt.c_str(), link.c_str()) < 0 && errno != EEXIST)
    throw_errno("cannot create the ALT root link", link);
}

std::string MdboxStorage::storage_name(const std::string& name) const {
  validate_mailbox_name(name, separator_);
  std::vector<std::string> parts;
  for (const auto& p : split(is_inbox(name) ? std::string("INBOX") : name, separator_)) {
    std::string c = location_.utf8 ? p : mutf7_encode(p);
    if (c.find('/') != std::string::npos || c == kMailDir)
      throw Error(kExitUsage, "mailbox name component '" + p + "' can't be stored in mdbox");
    parts.push_back(c);
  }
  return join(parts, "/");
}

std::string MdboxStorage::virtual_name(const std::string& storage_name) const {
  std::vector<std::string> parts;
  for (const auto& c : split(storage_name, '/')) parts.push_back(virtual_component(c));
  return join(parts, std::string(1, separator_));
}

std::string MdboxStorage::disk_path(const std::string& name) const {
  return path_join(path_join(location_.root, kMailboxDir), storage_name(name));
}

std::string MdboxStorage::mailbox_dir(const std::string& name) const {
  return path_join(disk_path(name), kMailDir);
}

std::string MdboxStorage::find_file(uint32_t file_id) const {
  std::string p = path_join(storage_dir(), mdbox_file_name(file_id));
  if (path_exists(p)) return p;
  if (!location_.alt.empty()) {
    std::string a = path_join(alt_storage_dir(), mdbox_file_name(file_id));
    if (path_exists(a)) return a;
  }
  return "";
}

MdboxBodyRange MdboxStorage::body_of(const MdboxMapEntry& e) const {
  std::string path = find_file(e.file_id);
  if (path.empty())
    throw Error(kExitNotFound, "mdbox file " +
                                   path_join(storage_dir(), mdbox_file_name(e.file_id)) +
                                   " is missing (expunged and purged meanwhile, or lost: `roost "
                                   "force-resync` rebuilds the map from the files that exist)");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open mdbox file", path);
  char buf[kDboxMessageHeaderSize];
  ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(e.offset));
  struct stat st {};
  ::fstat(fd, &st);
  ::close(fd);
  auto damaged = [&](const std::string& what) {
    return Error(kExitDataErr, "mdbox file " + path + " is damaged at offset " +
                                   std::to_string(e.offset) + " (" + what +
                                   "); run `roost force-resync -u <user> '*'` to rebuild the "
                                   "indexes from every intact message");
  };
  if (n != static_cast<ssize_t>(sizeof buf)) throw damaged("file truncated before the message");
  uint64_t body = 0;
  try {
    body = parse_dbox_message_header(std::string_view(buf, sizeof buf), kDboxMessageHeaderSize,
                                     path, e.offset)
               .body_size;
  } catch (const Error&) {
    throw damaged("no message header there");
  }
  uint64_t end = e.offset + kDboxMessageHeaderSize + body;
  if (end > static_cast<uint64_t>(st.st_size) || kDboxMessageHeaderSize + body > e.size)
    throw damaged("message body truncated");
  return {path, e.offset + kDboxMessageHeaderSize, body};
}

std::string MdboxStorage::virtual_component(const std::string& disk) const {
  if (location_.utf8) return disk;
  try {
    return mutf7_decode(disk);
  } catch (const Error&) {
    return disk;  // not valid mUTF-7 (written by another tool): show it raw
  }
}

std::vector<MailboxInfo> MdboxStorage::scan_tree() const {
  return scan_dbox_mailbox_tree(path_join(location_.root, kMailboxDir), separator_,
                                [this](const std::string& c) { return virtual_component(c); });
}

std::vector<MailboxInfo> MdboxStorage::list_mailboxes() {
  return dbox_mailbox_listing(scan_tree(), subscriptions());
}

std::vector<std::string> MdboxStorage::all_mailbox_names() const {
  std::vector<std::string> out;
  for (const auto& b : scan_tree())
    if (b.selectable) out.push_back(is_inbox(b.name) ? "INBOX" : b.name);
  return out;
}

bool MdboxStorage::mailbox_exists(const std::string& name) {
  return is_dir(mailbox_dir(name));
}

void MdboxStorage::create_mailbox(const std::string& name, const Guid128& guid) {
  std::string dir = mailbox_dir(name);
  if (is_dir(dir)) throw Error(kExitCantCreat, "mailbox " + name + " already exists");
  make_dirs(dir);
  auto index = MailIndex::open(dir, MailIndex::Options{.fsync = settings_.fsync});
  IndexHeader h;
  h.uidvalidity = allocate_uidvalidity(location_.root);
  h.mailbox_guid = guid.empty() ? Guid128::generate() : guid;
  auto t = index->begin();
  t.set_header(h);
  t.commit();
  mark_changed(is_inbox(name) ? "INBOX" : name);
  forget_dovecot_list_index();
}

void MdboxStorage::forget_dovecot_list_index() {
  // Dovecot's mailbox list cache would hide mailboxes created (or keep
  // ones deleted) behind its back; it rebuilds it from the directories.
  for (const char* f : {"dovecot.list.index", "dovecot.list.index.log", "dovecot.list.index.log.2"})
    ::unlink(path_join(location_.root, f).c_str());
}

void MdboxStorage::delete_mailbox(const std::string& name) {
  if (is_inbox(name)) throw Error(kExitUsage, "INBOX can't be deleted");
  std::string dir = mailbox_dir(name);
  if (!is_dir(dir)) throw Error(kExitNotFound, "mailbox " + name + " doesn't exist");
  auto lock = map_->lock();
  std::vector<uint32_t> refs;
  Guid128 guid;
  {
    auto index = MailIndex::open(dir);
    guid = index->header().mailbox_guid;
    for (const auto& r : index->records())
      if (auto loc = parse_mdbox_locator(r.locator)) refs.push_back(loc->map_uid);
  }
  // The mailbox goes first, its references after: a kill in between leaves
  // refcounts too high (space kept until force-resync), never too low.
  std::string trash = path_join(disk_path(name), ".DOVECOT-TRASHED." + std::to_string(::getpid()));
  if (::rename(dir.c_str(), trash.c_str()) < 0) throw_errno("cannot delete mailbox", dir);
  if (settings_.fsync) fsync_dir(disk_path(name));
  MdboxMap::Txn t(*map_);
  for (uint32_t uid : refs) t.add_ref(uid, -1);
  t.commit();
  mark_changed("");
  changed_mailboxes_.erase(name);
  remove_tree(trash);
  forget_dovecot_list_index();
  // The directory itself goes too unless child mailboxes live inside.
  bool children = false;
  for (const auto& e : list_dir(disk_path(name)))
    if (is_dir(path_join(disk_path(name), e))) children = true;
  if (!children) remove_tree(disk_path(name));
  // After the files: a crash in between leaves at worst a delete a peer
  // may undo.
  record_mailbox_deleted(list_dir_path(), guid, storage_settings_);
}

std::vector<DeletedMailbox> MdboxStorage::deleted_mailboxes() {
  return read_deleted_mailboxes(list_dir_path());
}

std::vector<MailboxListChange> MdboxStorage::mailbox_list_changes() {
  return read_mailbox_list_changes(list_dir_path());
}

std::string MdboxStorage::list_dir_path() const {
  return location_.control.empty() ? location_.root : location_.control;
}

void MdboxStorage::rename_mailbox(const std::string& from, const std::string& to) {
  if (is_inbox(from) || is_inbox(to))
    throw Error(kExitUsage, "renaming INBOX (or to INBOX) is not supported for mdbox");
  std::string src = disk_path(from), dst = disk_path(to);
  if (!is_dir(src)) throw Error(kExitNotFound, "mailbox " + from + " doesn't exist");
  if (path_exists(dst)) throw Error(kExitCantCreat, "mailbox " + to + " already exists");
  if (to.compare(0, from.size() + 1, from + separator_) == 0)
    throw Error(kExitUsage, "can't rename mailbox " + from + " under itself");
  make_dirs(dirname_of(dst));
  if (::rename(src.c_str(), dst.c_str()) < 0) throw_errno("cannot rename mailbox", src);
  forget_dovecot_list_index();
  record_mailbox_renamed(*this, list_dir_path(), to);
}

std::vector<std::string> MdboxStorage::subscriptions() {
  return read_subscriptions_file(path_join(location_.root, kDboxSubscriptionsFile), separator_);
}

void MdboxStorage::set_subscribed(const std::string& name, bool subscribed) {
  validate_mailbox_name(name, separator_);
  std::string canon = is_inbox(name) ? "INBOX" : name;
  std::string path = path_join(location_.root, kDboxSubscriptionsFile);
  auto before = read_subscriptions_file(path, separator_);
  bool had = std::find(before.begin(), before.end(), canon) != before.end();
  update_subscriptions_file(path, canon, subscribed, separator_, settings_.fsync);
  if (had != subscribed) record_subscription_change(list_dir_path(), canon, subscribed);
}

std::unique_ptr<Mailbox> MdboxStorage::open_mailbox(const std::string& name) {
  std::string dir = mailbox_dir(name);
  if (!is_dir(dir)) {
    if (!is_inbox(name)) throw Error(kExitNotFound, "mailbox " + name + " doesn't exist");
    create_mailbox("INBOX");  // INBOX always exists, as in Dovecot
  }
  auto box = std::make_unique<MdboxMailbox>(*this, is_inbox(name) ? "INBOX" : name, dir);
  // One store for all the storage's mailboxes: it reads the files once
  // per change.
  if (!attribute_store_)
    attribute_store_ = open_attribute_store(list_dir_path(), storage_settings_);
  box->attach_attribute_store(attribute_store_);
  return box;
}

void register_mdbox_driver() {
  register_storage_driver("mdbox", [](const MailLocation& loc, const StorageSettings& set) {
    return std::unique_ptr<MailStorage>(new MdboxStorage(loc, set));
  });
}

}  // namespace roost
