#include "formats/dbox/sdbox_storage.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <map>

#include "formats/dbox/dbox_mailbox_list.hpp"
#include "formats/dbox/dbox_paths.hpp"
#include "formats/dbox/sdbox_dovecot_log.hpp"
#include "formats/list/attribute_dict_setting.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "formats/list/deleted_mailboxes_file.hpp"
#include "formats/list/mailbox_deleted.hpp"
#include "formats/list/subscriptions_update.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/imap/mutf7.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
bool is_inbox(const std::string& name) {
  return iequals(name, "INBOX");
}
}  // namespace

SdboxStorage::SdboxStorage(const MailLocation& location, const StorageSettings& settings)
    : location_(location), settings_(settings) {
  if (location_.root.empty()) throw Error(kExitConfig, "sdbox mail_location has no root directory");
  if (!location_.layout.empty() && to_lower(location_.layout) != "fs")
    throw Error(kExitConfig, "unsupported LAYOUT=" + location_.layout + " for sdbox (use fs)");
  separator_ = settings.separator ? settings.separator : '/';
  if (!location_.alt.empty()) {
    std::string target;
    if (check_dbox_alt_root_link(location_.root, location_.alt, &target) == DboxAltLink::kDiffers)
      std::cerr << "roost: warning: " << location_.root << "/" << kDboxAltRootLink
                << " says the ALT storage was " << target << ", but ALT=" << location_.alt
                << " now; messages only in the old ALT path are not seen\n";
  }
}

void SdboxStorage::ensure_alt_link() const {
  if (location_.alt.empty() || !is_dir(location_.root)) return;
  if (check_dbox_alt_root_link(location_.root, location_.alt) == DboxAltLink::kMissing)
    write_dbox_alt_root_link(location_.root, location_.alt);
}

std::string SdboxStorage::virtual_component(const std::string& disk) const {
  if (location_.utf8) return disk;
  try {
    return mutf7_decode(disk);
  } catch (const Error&) {
    return disk;  // not valid mUTF-7 (written by another tool): show it raw
  }
}

std::string SdboxStorage::relative_dir(const std::string& name) const {
  validate_mailbox_name(name, separator_);
  std::vector<std::string> parts;
  if (is_inbox(name)) {
    parts.push_back("INBOX");
  } else {
    for (const auto& p : split(name, separator_)) {
      std::string c = location_.utf8 ? p : mutf7_encode(p);
      if (c.find('/') != std::string::npos)
        throw Error(kExitUsage, "mailbox name component '" + p + "' contains '/'");
      if (c[0] == '.')
        throw Error(kExitUsage, "mailbox name component '" + p + "' starts with '.'");
      if (c == kDboxMailDir)
        throw Error(kExitUsage, std::string("mailbox name component '") + kDboxMailDir +
                                    "' is reserved by dbox");
      parts.push_back(c);
    }
  }
  return std::string(kDboxMailboxesDir) + "/" + join(parts, "/");
}

SdboxPaths SdboxStorage::paths_of(const std::string& name) const {
  std::string box_rel = relative_dir(name);
  std::string rel = path_join(box_rel, kDboxMailDir);
  SdboxPaths p;
  p.root = location_.root;
  p.mail_dir = path_join(location_.root, rel);
  if (!location_.alt.empty()) p.alt_dir = path_join(location_.alt, rel);
  if (location_.index == "MEMORY")
    p.index_dir = "";
  else if (location_.index.empty())
    p.index_dir = p.mail_dir;
  else
    p.index_dir = path_join(location_.index, box_rel);  // no dbox-Mails/ there (as Dovecot)
  return p;
}

bool SdboxStorage::mailbox_exists(const std::string& name) {
  return is_dir(paths_of(name).mail_dir);
}

std::vector<std::string> SdboxStorage::subscriptions() {
  return read_subscriptions_file(path_join(location_.root, kDboxSubscriptionsFile), separator_);
}

void SdboxStorage::set_subscribed(const std::string& name, bool subscribed) {
  validate_mailbox_name(name, separator_);
  std::string canon = is_inbox(name) ? "INBOX" : name;
  std::string path = path_join(location_.root, kDboxSubscriptionsFile);
  auto before = read_subscriptions_file(path, separator_);
  bool had = std::find(before.begin(), before.end(), canon) != before.end();
  update_subscriptions_file(path, canon, subscribed, separator_, settings_.fsync);
  if (had != subscribed) record_subscription_change(list_dir_path(), canon, subscribed);
}

std::vector<MailboxInfo> SdboxStorage::list_mailboxes() {
  return dbox_mailbox_listing(
      scan_dbox_mailbox_tree(path_join(location_.root, kDboxMailboxesDir), separator_,
                             [this](const std::string& c) { return virtual_component(c); }),
      subscriptions());
}

void SdboxStorage::create_mailbox(const std::string& name, const Guid128& guid) {
  SdboxPaths p = paths_of(name);
  if (is_dir(p.mail_dir)) throw Error(kExitCantCreat, "mailbox " + name + " already exists");
  make_dirs(dirname_of(p.mail_dir));
  // The index first, then dbox-Mails/ makes the mailbox visible: a crash in
  // between leaves a \NoSelect directory, never a mailbox without UIDVALIDITY.
  std::string staging;
  if (p.index_dir == p.mail_dir) {
    staging =
        path_join(dirname_of(p.mail_dir), ".dbox-Mails.creating." + std::to_string(::getpid()));
    remove_tree(staging);
    SdboxPaths sp = p;
    sp.mail_dir = sp.index_dir = staging;
    SdboxMailbox::create_index(sp, guid, settings_.fsync);
    if (::rename(staging.c_str(), p.mail_dir.c_str()) < 0) {
      int e = errno;
      remove_tree(staging);
      if (e == EEXIST || e == ENOTEMPTY)
        throw Error(kExitCantCreat, "mailbox " + name + " already exists");
      throw_errno("cannot create mailbox directory", p.mail_dir, e);
    }
    if (settings_.fsync) fsync_dir(dirname_of(p.mail_dir));
  } else {
    SdboxMailbox::create_index(p, guid, settings_.fsync);
    make_dirs(p.mail_dir);
  }
  ensure_alt_link();
  // Dovecot gets its index of the new mailbox too (UIDVALIDITY, GUID).
  SdboxMailbox(name, p, settings_.fsync).export_to_dovecot(DovecotLogTransaction{});
}

void SdboxStorage::delete_mailbox(const std::string& name) {
  if (is_inbox(name)) throw Error(kExitUsage, "INBOX can't be deleted");
  SdboxPaths p = paths_of(name);
  if (!is_dir(p.mail_dir)) throw Error(kExitNotFound, "mailbox " + name + " doesn't exist");
  // The GUID is read before the files go; the log entry is written after,
  // so a crash in between leaves at worst a delete a peer may undo.
  Guid128 guid;
  try {
    guid = SdboxMailbox(name, p, false).status().guid;
  } catch (const Error&) {
    // A broken mailbox has no GUID to remember.
  }
  // Rename first so a crash never leaves a half-deleted but visible mailbox.
  auto remove_mail_dir = [](const std::string& dir) {
    if (!is_dir(dir)) return;
    std::string trash =
        path_join(dirname_of(dir), ".dbox-Mails.deleting." + std::to_string(::getpid()));
    if (::rename(dir.c_str(), trash.c_str()) < 0) throw_errno("cannot delete", dir);
    remove_tree(trash);
    // The mailbox's own directory goes too unless children live in it.
    std::string parent = dirname_of(dir);
    if (list_dir(parent).empty()) ::rmdir(parent.c_str());
  };
  remove_mail_dir(p.mail_dir);
  if (!p.alt_dir.empty()) remove_mail_dir(p.alt_dir);
  if (!p.index_dir.empty() && p.index_dir != p.mail_dir && is_dir(p.index_dir)) {
    // Under INDEX= the children's index dirs live inside this one: only
    // the mailbox's own files go.
    for (const auto& e : list_dir(p.index_dir))
      if (!is_dir(path_join(p.index_dir, e))) ::unlink(path_join(p.index_dir, e).c_str());
    ::rmdir(p.index_dir.c_str());
  }
  record_mailbox_deleted(list_dir_path(), guid, settings_);
}

std::vector<DeletedMailbox> SdboxStorage::deleted_mailboxes() {
  return read_deleted_mailboxes(list_dir_path());
}

std::vector<MailboxListChange> SdboxStorage::mailbox_list_changes() {
  return read_mailbox_list_changes(list_dir_path());
}

std::string SdboxStorage::list_dir_path() const {
  return location_.control.empty() ? location_.root : location_.control;
}

void SdboxStorage::rename_mailbox(const std::string& from, const std::string& to) {
  if (is_inbox(from) || is_inbox(to))
    throw Error(kExitUsage, "renaming INBOX (or to INBOX) is not supported for sdbox");
  std::string from_prefix = from + separator_;
  if (to.compare(0, from_prefix.size(), from_prefix) == 0)
    throw Error(kExitUsage, "can't rename mailbox " + from + " under itself");
  std::string src_rel = relative_dir(from), dst_rel = relative_dir(to);
  std::string src = path_join(location_.root, src_rel), dst = path_join(location_.root, dst_rel);
  if (!is_dir(src)) throw Error(kExitNotFound, "mailbox " + from + " doesn't exist");
  if (path_exists(dst)) throw Error(kExitCantCreat, "mailbox " + to + " already exists");
  // The whole directory moves: children come along, as with Dovecot's fs layout.
  auto move_tree = [](const std::string& a, const std::string& b) {
    if (!is_dir(a)) return;
    make_dirs(dirname_of(b));
    if (::rename(a.c_str(), b.c_str()) < 0) throw_errno("cannot rename", a);
  };
  move_tree(src, dst);
  if (!location_.alt.empty())
    move_tree(path_join(location_.alt, src_rel), path_join(location_.alt, dst_rel));
  if (!location_.index.empty() && location_.index != "MEMORY")
    move_tree(path_join(location_.index, src_rel), path_join(location_.index, dst_rel));
  record_mailbox_renamed(*this, list_dir_path(), to);
}

std::unique_ptr<Mailbox> SdboxStorage::open_mailbox(const std::string& name) {
  SdboxPaths p = paths_of(name);
  if (!is_dir(p.mail_dir)) {
    if (!is_inbox(name)) throw Error(kExitNotFound, "mailbox " + name + " doesn't exist");
    create_mailbox("INBOX");  // INBOX always exists: created on first use, as Dovecot does
  }
  auto box = std::make_unique<SdboxMailbox>(is_inbox(name) ? "INBOX" : name, p, settings_.fsync,
                                            settings_.save_compression);
  // One store for all the storage's mailboxes: it reads the files once
  // per change.
  if (!attribute_store_) attribute_store_ = open_attribute_store(list_dir_path(), settings_);
  box->attach_attribute_store(attribute_store_);
  return box;
}

void register_sdbox_driver() {
  register_storage_driver("sdbox", [](const MailLocation& loc, const StorageSettings& set) {
    return std::unique_ptr<MailStorage>(new SdboxStorage(loc, set));
  });
}

}  // namespace roost
