// `roost purge` / the second half of `roost altmove` for mdbox.
//
// A file is rewritten when it holds a message no mailbox references any
// more, or one that should live in the other storage (ALT vs primary). Per
// file, crash-safe at every instant:
//   1. the ids of the new files are recorded in the map header as pending;
//   2. the live messages are copied verbatim into those new files (primary
//      or ALT), which are fsynced;
//   3. one map commit points the live entries at their new places, drops
//      the dead ones and clears the pending list;
//   4. the old file is unlinked.
// A kill before 3 leaves the old file authoritative and pending files that
// the next purge deletes; after 3, an old file no entry names, which the
// next purge deletes too. So a re-run always completes the job and no
// message is ever lost or referenced twice.
#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <set>

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/mdbox_appender.hpp"
#include "formats/dbox/mdbox_file.hpp"
#include "formats/dbox/mdbox_mailbox.hpp"
#include "formats/dbox/mdbox_storage.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

namespace {

std::string read_range(const std::string& path, uint64_t offset, uint64_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open mdbox file", path);
  std::string out(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, out.data() + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

void unlink_file(const std::string& path, bool fsync) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) throw_errno("cannot remove", path);
  if (fsync) fsync_dir(dirname_of(path));
}

}  // namespace

void MdboxStorage::purge() {
  auto lock = map_->lock();
  MdboxMap& map = *map_;
  const bool has_alt = !location_.alt.empty();
  std::string primary = storage_dir(), alt = alt_storage_dir();

  // Leftovers of an interrupted purge: pending files the map never took,
  // retired files it no longer names. Other files the map doesn't know are
  // left alone: they may hold mail only a force-resync can bring back.
  std::set<uint32_t> referenced;
  for (const auto& e : map.entries()) referenced.insert(e.file_id);
  {
    MdboxMapHeader h = map.header();
    if (!h.pending_files.empty() || !h.retired_files.empty()) {
      for (const auto* list : {&h.pending_files, &h.retired_files})
        for (uint32_t id : *list) {
          if (referenced.count(id)) continue;
          for (const auto& dir : {primary, alt})
            if (!dir.empty()) unlink_file(path_join(dir, mdbox_file_name(id)), settings_.fsync);
        }
      h.pending_files.clear();
      h.retired_files.clear();
      MdboxMap::Txn t(map);
      t.set_header(h);
      t.commit();
    }
  }

  // Where each message should be: ALT when every reference asks for it.
  std::map<uint32_t, std::pair<uint32_t, uint32_t>> alt_votes;  // map uid -> (refs, alt refs)
  if (has_alt) {
    for (const auto& name : all_mailbox_names()) {
      auto index = MailIndex::open(mailbox_dir(name));
      for (const auto& r : index->records()) {
        auto loc = parse_mdbox_locator(r.locator);
        if (!loc) continue;
        auto& v = alt_votes[loc->map_uid];
        ++v.first;
        if (loc->alt) ++v.second;
      }
    }
  }
  auto wants_alt = [&](uint32_t map_uid) {
    if (!has_alt) return false;
    auto it = alt_votes.find(map_uid);
    return it != alt_votes.end() && it->second.first > 0 && it->second.first == it->second.second;
  };

  std::vector<std::string> damaged;
  std::set<uint32_t> files;
  for (const auto& e : map.entries()) files.insert(e.file_id);
  for (uint32_t file_id : files) {
    std::string path = find_file(file_id);
    if (path.empty()) continue;  // missing: force-resync's business
    bool in_alt = has_alt && path.rfind(alt + "/", 0) == 0;
    auto entries = map.entries_in_file(file_id);
    bool rewrite = false;
    for (const auto& e : entries)
      if (e.refcount == 0 || wants_alt(e.map_uid) != in_alt) rewrite = true;
    if (!rewrite) continue;

    MdboxMapHeader h = map.header();
    MdboxAppender to_primary(*this, primary, false);
    std::unique_ptr<MdboxAppender> to_alt;
    if (has_alt) to_alt = std::make_unique<MdboxAppender>(*this, alt, false);
    // 1: each new file id is pending (durably) before the file exists.
    auto mark_pending = [&](uint32_t id) {
      h.pending_files.push_back(id);
      if (id > h.highest_file_id) h.highest_file_id = id;
      MdboxMap::Txn t(map);
      t.set_header(h);
      t.commit();
    };
    to_primary.on_new_file = mark_pending;
    if (to_alt) to_alt->on_new_file = mark_pending;

    // 2: copy the live messages verbatim.
    std::vector<std::pair<uint32_t, MdboxPlaced>> moved;
    std::vector<uint32_t> dead;
    bool file_damaged = false;
    for (const auto& e : entries) {
      if (e.refcount == 0) {
        dead.push_back(e.map_uid);
        continue;
      }
      std::string rec = read_range(path, e.offset, e.size);
      uint64_t body = 0;
      try {
        MdboxScannedMessage m = parse_mdbox_message(rec, kDboxMessageHeaderSize, path, e.offset);
        if (m.size != e.size) throw Error(kExitDataErr, "the map's size doesn't match");
        body = m.body_size;
      } catch (const Error&) {
        damaged.push_back(path + " at offset " + std::to_string(e.offset));
        file_damaged = true;
        break;
      }
      MdboxAppender& out = wants_alt(e.map_uid) ? *to_alt : to_primary;
      moved.emplace_back(e.map_uid, out.append_raw(rec, body));
    }
    if (file_damaged) continue;  // pending files get removed by the next purge
    to_primary.flush();
    if (to_alt) to_alt->flush();
    if (has_alt && settings_.fsync) fsync_dir(alt);

    // 3: switch the map in one commit.
    MdboxMap::Txn t(map);
    for (const auto& [uid, p] : moved) t.move(uid, p.file_id, p.offset, p.size);
    for (uint32_t uid : dead) t.remove(uid);
    h.pending_files.clear();
    h.retired_files = {file_id};
    t.set_header(h);
    t.commit();
    mark_changed("");
    // 4: the old file is garbage now.
    unlink_file(path, settings_.fsync);
  }
  MdboxMapHeader done = map.header();
  if (!done.retired_files.empty()) {
    done.retired_files.clear();
    MdboxMap::Txn t(map);
    t.set_header(done);
    t.commit();
  }
  if (!damaged.empty())
    throw Error(
        kExitDataErr,
        "purge left damaged mdbox files alone (" + damaged.front() +
            (damaged.size() > 1 ? " and " + std::to_string(damaged.size() - 1) + " more" : "") +
            "); run `roost force-resync -u <user> '*'` to recover their "
            "intact messages, then purge again");
}

}  // namespace roost
