// Taking over an mdbox Dovecot wrote: its dovecot.map.index and each
// mailbox's dovecot.index (+ logs) are read with formats/index/dovecot and
// turned into Roost's map and mailbox indexes (UIDs, flags, keywords,
// GUIDs, save dates, ALT marks). Modseqs are Roost's own from then on:
// the import is one transaction, so every record starts at the same one. What was imported is
// recorded as a signature (sizes + mtimes of Dovecot's files) in the map
// header; when Dovecot changes its files later, the next open imports
// again, so Dovecot's view wins over changes Roost made in between.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/mdbox_file.hpp"
#include "formats/dbox/mdbox_mailbox.hpp"
#include "formats/dbox/mdbox_storage.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "formats/index/dovecot/map_index.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

void add_stamp(std::vector<std::string>& items, const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) return;
  items.push_back(std::to_string(st.st_size) + "." + std::to_string(st.st_mtim.tv_sec) + "." +
                  std::to_string(st.st_mtim.tv_nsec / 1000));
}

// The stamps sorted: a signature says which file states exist, not in which
// mailbox (a rename moves a mailbox's files unchanged; reading names in a
// new order is no change by Dovecot). Signatures recorded unsorted by
// older versions compare equal through this too.
std::string canonical_signature(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string sig;
  for (const auto& item : items) {
    if (!sig.empty()) sig += ',';
    sig += item;
  }
  return sig;
}

// What an import would write equals what the Roost index holds (the
// modseq aside): the record is left alone. A received date Roost knows
// while the m.* file can't be read (damage) counts as unchanged.
bool same_message_state(const MessageRecord& a, const MessageRecord& b) {
  return a.guid == b.guid && a.flags == b.flags && a.save_date == b.save_date &&
         a.locator == b.locator && a.physical_size == b.physical_size &&
         a.virtual_size == b.virtual_size && a.pop3_uidl == b.pop3_uidl &&
         a.received_date == b.received_date;
}

bool has_dovecot_index(const std::string& dir, const std::string& prefix) {
  return path_exists(path_join(dir, prefix)) || path_exists(path_join(dir, prefix + ".log"));
}

}  // namespace

std::string MdboxStorage::dovecot_signature() const {
  if (!has_dovecot_index(storage_dir(), "dovecot.map.index")) return "";
  std::vector<std::string> items;
  add_stamp(items, path_join(storage_dir(), "dovecot.map.index"));
  add_stamp(items, path_join(storage_dir(), "dovecot.map.index.log"));
  for (const auto& name : all_mailbox_names()) {
    add_stamp(items, path_join(mailbox_dir(name), "dovecot.index"));
    add_stamp(items, path_join(mailbox_dir(name), "dovecot.index.log"));
  }
  return canonical_signature(std::move(items));
}

void MdboxStorage::import_dovecot_if_changed() {
  std::string sig = dovecot_signature();
  if (sig.empty() || canonical_signature(split(map_->header().dovecot_signature, ',')) == sig)
    return;
  import_dovecot(sig);
}

void MdboxStorage::import_dovecot(const std::string& signature) {
  DovecotMapIndex dmap;
  try {
    dmap = load_dovecot_map_index(storage_dir());
  } catch (const Error&) {
    // Dovecot's map is unusable: the files alone are the truth.
    rebuild();
    auto lock = map_->lock();
    MdboxMapHeader h = map_->header();
    h.dovecot_signature = signature;
    MdboxMap::Txn t(*map_);
    t.set_header(h);
    t.commit();
    return;
  }
  auto lock = map_->lock();
  MdboxMapHeader h;
  h.uid_validity = dmap.uid_validity ? dmap.uid_validity : map_->header().uid_validity;
  h.highest_file_id = dmap.highest_file_id;
  // The signature is recorded last: a kill in the middle of an import
  // leaves it unset, so the next open imports again.
  {
    MdboxMap::Txn t(*map_);
    t.reset(h);
    for (const auto& r : dmap.records)
      t.append_entry({r.map_uid, r.file_id, r.offset, r.size, r.refcount});
    t.commit();
  }
  // Per-message facts only the m.* files hold (received date, sizes, the
  // GUID string as saved), read once per file.
  std::map<uint32_t, MdboxScannedMessage> info;
  {
    // One file in memory at a time (files are bounded by the rotate size).
    std::map<uint32_t, std::vector<MdboxMapEntry>> by_file;
    for (const auto& e : map_->entries()) by_file[e.file_id].push_back(e);
    for (const auto& [file_id, list] : by_file) {
      std::string path = find_file(file_id);
      if (path.empty()) continue;
      std::string data = read_file(path);
      for (const auto& e : list) {
        if (e.offset + e.size > data.size()) continue;
        try {
          info[e.map_uid] =
              parse_mdbox_message(std::string_view(data).substr(e.offset, e.size),
                                  kDboxMessageHeaderSize, mdbox_file_name(file_id), e.offset);
        } catch (const Error&) {
          // Damaged: the record keeps what Dovecot's index says.
        }
      }
    }
  }
  int64_t now = ::time(nullptr);
  for (const auto& name : all_mailbox_names()) {
    std::string dir = mailbox_dir(name);
    if (!has_dovecot_index(dir, "dovecot.index")) continue;
    DovecotMailboxIndex dbox = load_dovecot_mailbox_index(dir);
    // Written without fsync, made durable at once by the syncfs() below.
    auto index = MailIndex::open(dir, MailIndex::Options{.fsync = false});
    IndexHeader ih;
    ih.uidvalidity = dbox.uid_validity;
    ih.uidnext = std::max<uint32_t>(dbox.next_uid, 1);
    ih.first_recent_uid = std::max<uint32_t>(dbox.first_recent_uid, 1);
    if (auto g = Guid128::parse(dbox.mailbox_guid)) ih.mailbox_guid = *g;
    // The same UID space: only what Dovecot changed is written, so records
    // it left alone keep their modseqs and the mails it expunged become
    // expunge records (an incremental dsync since an older modseq lists
    // them; a reset would drop every expunge record of the mailbox).
    // Another UIDVALIDITY (or no index yet) starts the index over.
    const IndexHeader& cur = index->header();
    bool same_space = cur.uidvalidity != 0 && cur.uidvalidity == ih.uidvalidity;
    auto t = index->begin();
    if (same_space) {
      IndexHeader nh = cur;
      nh.uidnext = std::max(cur.uidnext, ih.uidnext);
      nh.first_recent_uid = ih.first_recent_uid;
      if (!ih.mailbox_guid.empty()) nh.mailbox_guid = ih.mailbox_guid;
      if (!(nh == cur)) t.set_header(nh);
    } else {
      t.reset(ih);
    }
    std::vector<uint32_t> dovecot_uids;
    dovecot_uids.reserve(dbox.records.size());
    for (const auto& d : dbox.records) {
      MessageRecord r;
      r.uid = d.uid;
      r.flags.system = d.flags & kFlagsStorable;
      r.flags.keywords = d.keywords;
      r.save_date = d.save_date;
      r.guid = d.guid;
      auto it = info.find(d.map_uid);
      if (it != info.end()) {
        const MdboxScannedMessage& s = it->second;
        r.guid = s.meta.guid();
        r.received_date = s.meta.received_time().value_or(d.save_date ? d.save_date : now);
        r.physical_size = s.meta.physical_size().value_or(s.body_size);
        r.virtual_size = s.meta.virtual_size().value_or(r.physical_size);
        r.pop3_uidl = s.meta.pop3_uidl();
      }
      r.locator = format_mdbox_locator({d.map_uid, (d.flags & kDovecotFlagBackend) != 0});
      dovecot_uids.push_back(d.uid);
      if (same_space) {
        const MessageRecord* old = index->find(d.uid);
        if (old && same_message_state(*old, r)) continue;
      }
      t.append(r);
    }
    if (same_space) {
      std::sort(dovecot_uids.begin(), dovecot_uids.end());
      for (const auto& old : index->records())
        if (!std::binary_search(dovecot_uids.begin(), dovecot_uids.end(), old.uid))
          t.expunge(old.uid);
    }
    t.commit();
  }
  if (settings_.fsync) {
    int fd = ::open(location_.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) < 0) throw_errno("cannot sync the imported indexes", location_.root);
    ::close(fd);
  }
  MdboxMapHeader done = map_->header();
  done.dovecot_signature = signature;
  MdboxMap::Txn t(*map_);
  t.set_header(done);
  t.commit();
}

}  // namespace roost
