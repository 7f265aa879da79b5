#include "formats/dbox/mdbox_map.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

std::string encode_mdbox_map_stamp(const MdboxMapHeader& h) {
  std::string s = "h=" + std::to_string(h.highest_file_id);
  auto ids = [](const std::vector<uint32_t>& v) {
    std::vector<std::string> out;
    for (uint32_t id : v) out.push_back(std::to_string(id));
    return join(out, ",");
  };
  if (!h.pending_files.empty()) s += " p=" + ids(h.pending_files);
  if (!h.retired_files.empty()) s += " r=" + ids(h.retired_files);
  if (!h.dovecot_signature.empty()) s += " dv=" + h.dovecot_signature;
  return s;
}

MdboxMapHeader decode_mdbox_map_stamp(const std::string& stamp, uint32_t uid_validity) {
  MdboxMapHeader h;
  h.uid_validity = uid_validity;
  for (const auto& word : split_ws(stamp)) {
    if (word.rfind("h=", 0) == 0) {
      h.highest_file_id = parse_u32(word.substr(2)).value_or(0);
    } else if (word.rfind("p=", 0) == 0) {
      for (const auto& id : split(word.substr(2), ','))
        if (auto v = parse_u32(id)) h.pending_files.push_back(*v);
    } else if (word.rfind("r=", 0) == 0) {
      for (const auto& id : split(word.substr(2), ','))
        if (auto v = parse_u32(id)) h.retired_files.push_back(*v);
    } else if (word.rfind("dv=", 0) == 0) {
      h.dovecot_signature = word.substr(3);
    }
  }
  return h;
}

std::string encode_mdbox_map_locator(const MdboxMapEntry& e) {
  return std::to_string(e.file_id) + " " + std::to_string(e.offset) + " " + std::to_string(e.size) +
         " " + std::to_string(e.refcount);
}

std::optional<MdboxMapEntry> decode_mdbox_map_locator(uint32_t map_uid, const std::string& loc) {
  auto parts = split_ws(loc);
  if (parts.size() != 4) return std::nullopt;
  auto f = parse_u32(parts[0]);
  auto o = parse_u64(parts[1]);
  auto s = parse_u64(parts[2]);
  auto r = parse_u32(parts[3]);
  if (!f || !o || !s || !r || *f == 0) return std::nullopt;
  return MdboxMapEntry{map_uid, *f, *o, *s, *r};
}

MdboxMap::Lock::Lock(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw_errno("cannot open the mdbox storage lock", path);
  while (::flock(fd_, LOCK_EX) < 0) {
    if (errno == EINTR) continue;
    int e = errno;
    ::close(fd_);
    throw_errno("cannot lock the mdbox storage", path, e);
  }
}

MdboxMap::Lock::~Lock() {
  ::close(fd_);
}

MdboxMap::MdboxMap(const std::string& storage_dir, bool fsync) : dir_(storage_dir) {
  MailIndex::Options opt;
  opt.fsync = fsync;
  opt.max_expunges = 0;  // nobody asks the map for expunge history
  opt.lazy = true;
  index_ = MailIndex::open(storage_dir, opt);
}

MdboxMap::~MdboxMap() = default;

void MdboxMap::set_entry(const MdboxMapEntry& e) {
  auto [it, inserted] = entries_.try_emplace(e.map_uid, e);
  if (!inserted) {
    if (it->second.file_id == e.file_id) {
      it->second = e;
      return;
    }
    erase_entry(e.map_uid);
    entries_.emplace(e.map_uid, e);
  }
  by_file_[e.file_id].push_back(e.map_uid);
}

void MdboxMap::erase_entry(uint32_t map_uid) {
  auto it = entries_.find(map_uid);
  if (it == entries_.end()) return;
  auto f = by_file_.find(it->second.file_id);
  if (f != by_file_.end()) {
    auto& uids = f->second;
    auto u = std::find(uids.begin(), uids.end(), map_uid);
    if (u != uids.end()) {
      *u = uids.back();
      uids.pop_back();
    }
    if (uids.empty()) by_file_.erase(f);
  }
  entries_.erase(it);
}

void MdboxMap::clear_entries() {
  entries_.clear();
  by_file_.clear();
}

void MdboxMap::reload_entries() {
  clear_entries();
  for (const auto& r : index_->records()) {
    auto e = decode_mdbox_map_locator(r.uid, r.locator);
    if (!e)
      throw Error(kExitDataErr, "mdbox map " + path_join(dir_, "roost.map") +
                                    " has a bad entry for map UID " + std::to_string(r.uid) +
                                    "; run `roost force-resync -u <user> '*'` to rebuild it");
    set_entry(*e);
  }
  entries_loaded_ = true;
}

void MdboxMap::refresh() {
  if (index_->refresh() && entries_loaded_) reload_entries();
}

MdboxMapHeader MdboxMap::header() const {
  return decode_mdbox_map_stamp(index_->header().sync_stamp, index_->header().uidvalidity);
}

const MdboxMapEntry* MdboxMap::find(uint32_t map_uid) const {
  ensure_entries();
  auto it = entries_.find(map_uid);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<MdboxMapEntry> MdboxMap::entries_in_file(uint32_t file_id) const {
  ensure_entries();
  std::vector<MdboxMapEntry> out;
  if (auto f = by_file_.find(file_id); f != by_file_.end()) {
    out.reserve(f->second.size());
    for (uint32_t uid : f->second) out.push_back(entries_.at(uid));
  }
  std::sort(out.begin(), out.end(),
            [](const MdboxMapEntry& a, const MdboxMapEntry& b) { return a.offset < b.offset; });
  return out;
}

std::unique_ptr<MdboxMap::Lock> MdboxMap::lock() {
  auto l = std::make_unique<Lock>(path_join(dir_, "roost.map.lock"));
  refresh();
  return l;
}

MdboxMap::Txn::Txn(MdboxMap& map)
    : map_(map), txn_(map.index_->begin()), next_uid_(map.index_->header().uidnext) {
  map_.ensure_entries();
}

uint32_t MdboxMap::Txn::append(uint32_t file_id, uint64_t offset, uint64_t size,
                               uint32_t refcount) {
  MdboxMapEntry e{next_uid_++, file_id, offset, size, refcount};
  append_entry(e);
  return e.map_uid;
}

void MdboxMap::Txn::append_entry(const MdboxMapEntry& e) {
  put(e, true);
  if (e.map_uid >= next_uid_) next_uid_ = e.map_uid + 1;
}

std::optional<MdboxMapEntry> MdboxMap::Txn::current(uint32_t map_uid) const {
  auto it = changed_.find(map_uid);
  if (it != changed_.end()) return it->second;
  if (const MdboxMapEntry* cur = map_.find(map_uid)) return *cur;
  return std::nullopt;  // gone (rebuilt meanwhile)
}

void MdboxMap::Txn::put(const MdboxMapEntry& e, bool is_new) {
  MessageRecord r;
  r.uid = e.map_uid;
  r.locator = encode_mdbox_map_locator(e);
  if (is_new)
    txn_.append(r);
  else
    txn_.update(r);
  changed_[e.map_uid] = e;
  empty_ = false;
}

void MdboxMap::Txn::add_ref(uint32_t map_uid, int delta) {
  auto e = current(map_uid);
  if (!e) return;
  int64_t ref = static_cast<int64_t>(e->refcount) + delta;
  e->refcount = ref < 0 ? 0 : static_cast<uint32_t>(ref);
  put(*e, false);
}

void MdboxMap::Txn::move(uint32_t map_uid, uint32_t file_id, uint64_t offset, uint64_t size) {
  auto e = current(map_uid);
  if (!e) return;
  e->file_id = file_id;
  e->offset = offset;
  e->size = size;
  put(*e, false);
}

void MdboxMap::Txn::remove(uint32_t map_uid) {
  txn_.expunge(map_uid);
  changed_.erase(map_uid);
  removed_.push_back(map_uid);
  empty_ = false;
}

void MdboxMap::Txn::set_header(const MdboxMapHeader& header) {
  IndexHeader h = map_.index_->header();
  h.uidvalidity = header.uid_validity;
  h.sync_stamp = encode_mdbox_map_stamp(header);
  txn_.set_header(h);
  empty_ = false;
}

void MdboxMap::Txn::reset(const MdboxMapHeader& header) {
  IndexHeader h;
  h.uidvalidity = header.uid_validity;
  h.uidnext = 1;
  h.sync_stamp = encode_mdbox_map_stamp(header);
  txn_.reset(h);
  changed_.clear();
  removed_.clear();
  reset_ = true;
  next_uid_ = 1;
  empty_ = false;
}

void MdboxMap::Txn::commit() {
  if (empty_) return;
  txn_.commit();
  // The lock holder is the only writer, so the committed state is ours plus
  // these changes: apply them instead of decoding every entry again.
  if (reset_) map_.clear_entries();
  for (uint32_t uid : removed_) map_.erase_entry(uid);
  for (const auto& [uid, e] : changed_) map_.set_entry(e);
  empty_ = true;
}

}  // namespace roost
