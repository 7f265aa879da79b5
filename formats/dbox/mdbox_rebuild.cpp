// force-resync for mdbox: the map and every mailbox index rebuilt from what
// the m.* files hold (dbox-format.md §4.6 describes Dovecot's equivalent).
#include <cstdint>
#include <ctime>
#include <map>
#include <set>
#include <tuple>

#include "formats/dbox/mdbox_file.hpp"
#include "formats/dbox/mdbox_mailbox.hpp"
#include "formats/dbox/mdbox_storage.hpp"
#include "formats/list/uidvalidity_file.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

struct FoundMessage {
  uint32_t file_id = 0;
  MdboxScannedMessage m;
  uint32_t map_uid = 0;
  uint32_t refcount = 0;
  bool duplicate = false;     // same GUID and size as another: never restored
  bool was_expunged = false;  // the old map had it with refcount 0
};

}  // namespace

void MdboxStorage::rebuild_once() {
  if (!rebuilt_) rebuild();
}

void MdboxStorage::rebuild() {
  rebuilt_ = true;
  auto lock = map_->lock();
  MdboxMap& map = *map_;
  MdboxMapHeader header = map.header();

  // 1. Every intact message of every file (primary first: a file id seen
  //    in both dirs is read from the primary one).
  std::vector<FoundMessage> found;
  std::set<uint32_t> seen_ids;
  for (const auto& dir : {storage_dir(), alt_storage_dir()}) {
    if (dir.empty()) continue;
    for (uint32_t id : mdbox_file_ids(dir)) {
      if (!seen_ids.insert(id).second) continue;
      header.highest_file_id = std::max(header.highest_file_id, id);
      std::string data = read_file(path_join(dir, mdbox_file_name(id)));
      MdboxFileScan scan = scan_mdbox_file(data, path_join(dir, mdbox_file_name(id)));
      for (auto& m : scan.messages) found.push_back({id, std::move(m)});
    }
  }

  // 2. Keep the map UIDs of entries that still match a message exactly.
  std::map<std::tuple<uint32_t, uint64_t, uint64_t>, const MdboxMapEntry*> old_by_place;
  uint32_t next_uid = 1;
  for (const auto& e : map.entries()) {
    old_by_place[{e.file_id, e.offset, e.size}] = &e;
    next_uid = std::max(next_uid, e.map_uid + 1);
  }
  std::map<std::string, std::vector<size_t>> by_guid;
  std::map<uint32_t, size_t> by_uid;
  for (size_t i = 0; i < found.size(); ++i) {
    FoundMessage& f = found[i];
    auto it = old_by_place.find({f.file_id, f.m.offset, f.m.size});
    if (it != old_by_place.end()) {
      f.map_uid = it->second->map_uid;
      f.was_expunged = it->second->refcount == 0;
    } else {
      f.map_uid = next_uid++;
    }
    by_uid[f.map_uid] = i;
    auto& same = by_guid[f.m.meta.guid()];
    for (size_t j : same)
      if (found[j].m.body_size == f.m.body_size) f.duplicate = true;
    same.push_back(i);
  }

  // 3. Each mailbox keeps the records whose message still exists.
  struct MailboxPlan {
    std::string name;
    std::vector<MessageRecord> updates;
    std::vector<uint32_t> expunges;
  };
  std::vector<MailboxPlan> plans;
  std::set<std::string> existing;
  for (const auto& name : all_mailbox_names()) {
    existing.insert(name);
    MailboxPlan plan{name, {}, {}};
    auto index = MailIndex::open(mailbox_dir(name));
    for (const auto& r : index->records()) {
      auto loc = parse_mdbox_locator(r.locator);
      size_t hit = SIZE_MAX;
      if (loc) {
        auto it = by_uid.find(loc->map_uid);
        if (it != by_uid.end() && (r.guid.empty() || found[it->second].m.meta.guid() == r.guid))
          hit = it->second;
      }
      if (hit == SIZE_MAX && !r.guid.empty()) {
        auto g = by_guid.find(r.guid);
        if (g != by_guid.end()) hit = g->second.front();
      }
      if (hit == SIZE_MAX) {
        plan.expunges.push_back(r.uid);  // its message is gone from every file
        continue;
      }
      FoundMessage& f = found[hit];
      ++f.refcount;
      MdboxLocator nl{f.map_uid, loc && loc->alt};
      if (!loc || nl.map_uid != loc->map_uid) {
        MessageRecord u = r;
        u.locator = format_mdbox_locator(nl);
        plan.updates.push_back(u);
      }
    }
    plans.push_back(std::move(plan));
  }

  // 4. Messages no mailbox references (and no expunge dropped) go back to
  //    the mailbox they were saved to.
  std::map<std::string, std::vector<size_t>> restore;
  for (size_t i = 0; i < found.size(); ++i) {
    const FoundMessage& f = found[i];
    if (f.refcount || f.duplicate || f.was_expunged) continue;
    // B holds Dovecot's storage name ('/'-separated, as on disk).
    std::string box = virtual_name(f.m.meta.orig_mailbox().value_or("INBOX"));
    try {
      validate_mailbox_name(box, separator_);
      storage_name(box);
    } catch (const Error&) {
      box = "INBOX";
    }
    restore[box].push_back(i);
    found[i].refcount = 1;
  }

  // 5. The map first (refcounts include the restores), then the mailboxes:
  //    a kill in between leaves refcounts too high, never too low.
  if (header.uid_validity == 0) header.uid_validity = allocate_uidvalidity(location_.root);
  header.pending_files.clear();
  header.retired_files.clear();
  {
    MdboxMap::Txn t(map);
    t.reset(header);
    for (const auto& f : found)
      t.append_entry({f.map_uid, f.file_id, f.m.offset, f.m.size, f.refcount});
    t.commit();
  }
  mark_changed("");
  for (const auto& plan : plans) {
    mark_changed(plan.name);
    if (plan.updates.empty() && plan.expunges.empty()) continue;
    auto index = MailIndex::open(mailbox_dir(plan.name));
    auto t = index->begin();
    for (const auto& u : plan.updates) t.update(u);
    for (uint32_t uid : plan.expunges) t.expunge(uid);
    t.commit();
  }
  for (const auto& [box, list] : restore) {
    mark_changed(box);
    if (!existing.count(box) && !iequals(box, "INBOX")) create_mailbox(box);
    std::string dir = mailbox_dir(box);
    if (!is_dir(dir)) create_mailbox("INBOX");
    auto index = MailIndex::open(dir);
    auto t = index->begin();
    uint32_t uid = index->header().uidnext;
    int64_t now = ::time(nullptr);
    for (size_t i : list) {
      const FoundMessage& f = found[i];
      MessageRecord r;
      r.uid = uid++;
      r.guid = f.m.meta.guid();
      r.received_date = f.m.meta.received_time().value_or(now);
      r.save_date = now;
      r.physical_size = f.m.meta.physical_size().value_or(f.m.body_size);
      r.virtual_size = f.m.meta.virtual_size().value_or(r.physical_size);
      r.pop3_uidl = f.m.meta.pop3_uidl();
      r.pop3_order = f.m.meta.pop3_order().value_or(0);
      r.locator = format_mdbox_locator({f.map_uid, false});
      t.append(r);
    }
    t.commit();
  }
}

}  // namespace roost
