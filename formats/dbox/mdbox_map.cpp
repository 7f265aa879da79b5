#include "formats/dbox/mdbox_map.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "formats/index/index_codec.hpp"
#include "formats/index/mail_index.hpp"
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

namespace {

constexpr std::string_view kSnapshotMagic = "ROOSTMP1";
constexpr std::string_view kLogMagic = "ROOSTML1";
constexpr uint32_t kVersion = 1;
constexpr size_t kLogHeaderSize = 8 + 4 + 8;
constexpr size_t kFrameHeaderSize = 8;
constexpr uint32_t kMaxFrame = 1u << 30;
// The log is folded into a new snapshot past this size.
constexpr size_t kCompactLogBytes = 1 << 20;

std::string log_header(uint64_t generation) {
  index_codec::Writer w;
  w.raw(kLogMagic);
  w.u32(kVersion);
  w.u64(generation);
  return std::move(w.data());
}

bool stat_id(const std::string& path, struct stat& st) {
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno != ENOENT) throw_errno("cannot stat", path);
  return false;
}

}  // namespace

MdboxMap::MdboxMap(const std::string& storage_dir, bool fsync) : dir_(storage_dir), fsync_(fsync) {
  // Here, before anyone holds the storage lock the conversion takes.
  convert_if_old();
}

MdboxMap::~MdboxMap() = default;

std::string MdboxMap::snapshot_path() const {
  return path_join(dir_, "roost.map");
}
std::string MdboxMap::log_path() const {
  return path_join(dir_, "roost.map.log");
}

void MdboxMap::convert_if_old() const {
  struct stat st;
  if (!stat_id(snapshot_path(), st) && !stat_id(log_path(), st) &&
      (stat_id(path_join(dir_, "roost.index"), st) ||
       stat_id(path_join(dir_, "roost.index.log"), st)))
    convert_old_map();
}

void MdboxMap::ensure_loaded() const {
  if (loaded_) return;
  load_all(true);
  loaded_ = true;
  header_loaded_ = false;
}

void MdboxMap::ensure_header() const {
  if (loaded_ || header_loaded_) return;
  load_all(false);
  header_loaded_ = true;
}

void MdboxMap::convert_old_map() const {
  Lock lock(path_join(dir_, "roost.map.lock"));
  struct stat st;
  if (stat_id(snapshot_path(), st)) return;  // converted by another process meanwhile
  MailIndex::Options opt;
  opt.fsync = fsync_;
  opt.max_expunges = 0;
  MdboxMapFileHeader h;
  std::vector<MdboxMapEntry> entries;
  {
    auto old = MailIndex::open(dir_, opt);
    h.uid_validity = old->header().uidvalidity;
    h.uidnext = old->header().uidnext;
    h.stamp = old->header().sync_stamp;
    entries.reserve(old->records().size());
    for (const auto& r : old->records()) {
      auto e = decode_mdbox_map_locator(r.uid, r.locator);
      if (!e)
        throw Error(kExitDataErr, "mdbox map " + path_join(dir_, "roost.index") +
                                      " has a bad entry for map UID " + std::to_string(r.uid) +
                                      "; run `roost force-resync -u <user> '*'` to rebuild it");
      entries.push_back(*e);
      h.uidnext = std::max(h.uidnext, r.uid + 1);
    }
  }
  index_codec::Writer w;
  std::string body = encode_mdbox_map_snapshot(h, entries);
  w.raw(kSnapshotMagic);
  w.u32(kVersion);
  size_t crc_pos = w.size();
  w.u32(0);
  w.u64(1);
  w.u64(body.size());
  w.raw(body);
  w.patch_u32(crc_pos, index_codec::crc32_of(std::string_view(w.data()).substr(crc_pos + 4)));
  write_file_atomic(snapshot_path(), w.data());
  write_file_atomic(log_path(), log_header(1));
  // The new files are the map now; the old ones are dead weight.
  MailIndex::remove_files(dir_);
  ::unlink(path_join(dir_, "roost.index.lock").c_str());
}

void MdboxMap::load_all(bool with_entries) const {
  with_entries_ = with_entries;
  // A compaction by another process may replace the snapshot and then the
  // log between our two reads; retry a few times before calling a log newer
  // than its snapshot corruption.
  for (int attempt = 0;; ++attempt) {
    hdr_ = {};
    entries_.clear();
    by_file_.clear();
    generation_ = 0;
    log_generation_ = 0;
    log_valid_end_ = 0;
    snapshot_id_ = {};
    log_id_ = {};

    std::string spath = snapshot_path();
    int sfd = ::open(spath.c_str(), O_RDONLY | O_CLOEXEC);
    if (sfd < 0 && errno != ENOENT) throw_errno("cannot open the mdbox map", spath);
    if (sfd >= 0) {
      ScopedFd holder(sfd);
      struct stat st;
      if (::fstat(sfd, &st) < 0) throw_errno("cannot stat", spath);
      snapshot_id_ = {st.st_dev, st.st_ino, st.st_size,
                      st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, true};
      std::string data = pread_to_end(sfd, 0, spath);
      std::string what = "mdbox map " + spath;
      index_codec::Reader r(data, what);
      if (r.remaining() < 8 || r.raw(8) != kSnapshotMagic)
        r.fail("not a Roost mdbox map (bad magic); run `roost force-resync -u <user> '*'`");
      uint32_t version = r.u32();
      if (version != kVersion) r.fail("unsupported version " + std::to_string(version));
      uint32_t crc = r.u32();
      if (index_codec::crc32_of(std::string_view(data).substr(r.pos())) != crc)
        r.fail("checksum mismatch; run `roost force-resync -u <user> '*'` to rebuild it");
      generation_ = r.u64();
      uint64_t body_len = r.u64();
      if (body_len != r.remaining()) r.fail("length mismatch");
      if (with_entries) {
        decode_mdbox_map_snapshot(r.raw(body_len), what, hdr_, entries_);
        for (const auto& e : entries_) by_file_add(e.file_id, e.map_uid);
      } else {
        decode_mdbox_map_snapshot_header(r.raw(body_len), what, hdr_);
      }
    }

    std::string lpath = log_path();
    int lfd = ::open(lpath.c_str(), O_RDONLY | O_CLOEXEC);
    if (lfd < 0 && errno != ENOENT) throw_errno("cannot open the mdbox map log", lpath);
    if (lfd < 0) return;
    ScopedFd holder(lfd);
    struct stat st;
    if (::fstat(lfd, &st) < 0) throw_errno("cannot stat", lpath);
    log_id_ = {st.st_dev, st.st_ino, 0, 0, true};
    std::string head(kLogHeaderSize, '\0');
    ssize_t got = ::pread(lfd, head.data(), kLogHeaderSize, 0);
    if (got < 0) throw_errno("cannot read", lpath);
    head.resize(static_cast<size_t>(got));
    if (head.size() < kLogHeaderSize) return;  // torn creation: the next writer recreates it
    index_codec::Reader r(head, "mdbox map log " + lpath);
    if (r.raw(8) != kLogMagic) r.fail("not a Roost mdbox map log (bad magic)");
    if (r.u32() != kVersion) r.fail("unsupported log version");
    uint64_t lgen = r.u64();
    if (lgen < generation_) return;  // left over from an interrupted compaction
    if (lgen > generation_) {
      if (attempt < 5) {
        ::usleep(2000);
        continue;
      }
      throw Error(kExitDataErr, "mdbox map log " + lpath + " is newer than its snapshot " + spath +
                                    "; run `roost force-resync -u <user> '*'` to rebuild the map");
    }
    log_generation_ = lgen;
    log_valid_end_ = kLogHeaderSize;
    read_log_from(kLogHeaderSize);
    return;
  }
}

bool MdboxMap::read_log_from(size_t offset) const {
  std::string lpath = log_path();
  int lfd = ::open(lpath.c_str(), O_RDONLY | O_CLOEXEC);
  if (lfd < 0) {
    if (errno == ENOENT) return false;
    throw_errno("cannot open the mdbox map log", lpath);
  }
  ScopedFd holder(lfd);
  struct stat st;
  if (::fstat(lfd, &st) < 0) throw_errno("cannot stat", lpath);
  // Replaced by a compaction since we looked: offsets don't apply to it.
  if (log_id_.exists && (st.st_dev != log_id_.dev || st.st_ino != log_id_.ino)) return false;
  std::string data = pread_to_end(lfd, offset, lpath);
  std::string_view rest(data);
  bool applied = false;
  while (rest.size() >= kFrameHeaderSize) {
    index_codec::Reader fr(rest.substr(0, kFrameHeaderSize), "mdbox map log frame");
    uint32_t len = fr.u32();
    uint32_t crc = fr.u32();
    if (len > kMaxFrame || rest.size() - kFrameHeaderSize < len) break;  // torn tail
    std::string_view payload = rest.substr(kFrameHeaderSize, len);
    if (index_codec::crc32_of(payload) != crc) break;  // torn/garbled tail
    apply(decode_mdbox_map_change(payload, "mdbox map log " + lpath));
    applied = true;
    rest.remove_prefix(kFrameHeaderSize + len);
    log_valid_end_ = offset + (data.size() - rest.size());
  }
  return applied;
}

void MdboxMap::refresh() {
  if (!loaded_) {
    header_loaded_ = false;  // read fresh on first use
    return;
  }
  struct stat st;
  FileId sid;
  if (stat_id(snapshot_path(), st))
    sid = {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
           true};
  FileId lid;
  if (stat_id(log_path(), st)) lid = {st.st_dev, st.st_ino, 0, 0, true};
  if (!(sid == snapshot_id_) || !(lid == log_id_) || log_generation_ == 0) {
    load_all(true);
    return;
  }
  read_log_from(log_valid_end_);
}

void MdboxMap::by_file_add(uint32_t file_id, uint32_t map_uid) const {
  by_file_[file_id].push_back(map_uid);
}

void MdboxMap::by_file_erase(uint32_t file_id, uint32_t map_uid) const {
  auto f = by_file_.find(file_id);
  if (f == by_file_.end()) return;
  auto& uids = f->second;
  auto u = std::find(uids.begin(), uids.end(), map_uid);
  if (u != uids.end()) {
    *u = uids.back();
    uids.pop_back();
  }
  if (uids.empty()) by_file_.erase(f);
}

void MdboxMap::apply(const MdboxMapChange& c) const {
  if (c.reset) {
    entries_.clear();
    by_file_.clear();
    hdr_.uidnext = 1;
  }
  if (c.set_header) {
    hdr_.uid_validity = c.uid_validity;
    hdr_.stamp = c.stamp;
  }
  if (!with_entries_) return;  // only the header is wanted
  auto less = [](const MdboxMapEntry& e, uint32_t uid) { return e.map_uid < uid; };
  // Removed entries get file id 0 and go in one pass at the end, so a
  // purge dropping half the map costs one walk, not one move per entry.
  bool dead = false;
  for (uint32_t uid : c.removes) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), uid, less);
    if (it == entries_.end() || it->map_uid != uid || it->file_id == 0) continue;
    by_file_erase(it->file_id, uid);
    it->file_id = 0;
    dead = true;
  }
  size_t sorted_end = entries_.size();
  bool unsorted = false;
  for (const auto& e : c.puts) {
    hdr_.uidnext = std::max(hdr_.uidnext, e.map_uid + 1);
    if (entries_.empty() || e.map_uid > entries_.back().map_uid) {
      entries_.push_back(e);
      by_file_add(e.file_id, e.map_uid);
      continue;
    }
    auto end = entries_.begin() + static_cast<std::ptrdiff_t>(sorted_end);
    auto it = std::lower_bound(entries_.begin(), end, e.map_uid, less);
    if (it != end && it->map_uid == e.map_uid) {
      if (it->file_id != e.file_id) {
        if (it->file_id) by_file_erase(it->file_id, e.map_uid);
        by_file_add(e.file_id, e.map_uid);
      }
      *it = e;
      continue;
    }
    entries_.push_back(e);  // below the highest: sorted in at the end
    by_file_add(e.file_id, e.map_uid);
    unsorted = true;
  }
  if (dead) std::erase_if(entries_, [](const MdboxMapEntry& e) { return e.file_id == 0; });
  if (unsorted)
    std::sort(entries_.begin(), entries_.end(),
              [](const MdboxMapEntry& a, const MdboxMapEntry& b) { return a.map_uid < b.map_uid; });
}

MdboxMapHeader MdboxMap::header() const {
  ensure_header();
  return decode_mdbox_map_stamp(hdr_.stamp, hdr_.uid_validity);
}

const std::vector<MdboxMapEntry>& MdboxMap::entries() const {
  ensure_loaded();
  return entries_;
}

const MdboxMapEntry* MdboxMap::find(uint32_t map_uid) const {
  ensure_loaded();
  auto it = std::lower_bound(entries_.begin(), entries_.end(), map_uid,
                             [](const MdboxMapEntry& e, uint32_t uid) { return e.map_uid < uid; });
  return it == entries_.end() || it->map_uid != map_uid ? nullptr : &*it;
}

std::vector<MdboxMapEntry> MdboxMap::entries_in_file(uint32_t file_id) const {
  ensure_loaded();
  std::vector<MdboxMapEntry> out;
  if (auto f = by_file_.find(file_id); f != by_file_.end()) {
    out.reserve(f->second.size());
    for (uint32_t uid : f->second)
      if (const MdboxMapEntry* e = find(uid)) out.push_back(*e);
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

void MdboxMap::compact_locked() {
  uint64_t gen = generation_ + 1;
  std::string body = encode_mdbox_map_snapshot(hdr_, entries_);
  index_codec::Writer w;
  w.data().reserve(body.size() + 32);
  w.raw(kSnapshotMagic);
  w.u32(kVersion);
  size_t crc_pos = w.size();
  w.u32(0);
  w.u64(gen);
  w.u64(body.size());
  w.raw(body);
  body = {};
  w.patch_u32(crc_pos, index_codec::crc32_of(std::string_view(w.data()).substr(crc_pos + 4)));
  write_file_atomic(snapshot_path(), w.data());
  write_file_atomic(log_path(), log_header(gen));
  // What we hold is what we wrote: take the new files' identities only.
  struct stat st;
  if (stat_id(snapshot_path(), st))
    snapshot_id_ = {st.st_dev, st.st_ino, st.st_size,
                    st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, true};
  if (stat_id(log_path(), st)) log_id_ = {st.st_dev, st.st_ino, 0, 0, true};
  generation_ = gen;
  log_generation_ = gen;
  log_valid_end_ = kLogHeaderSize;
}

void MdboxMap::commit_change(const MdboxMapChange& change) {
  ensure_loaded();
  refresh();
  if (generation_ == 0 || !snapshot_id_.exists || log_generation_ != generation_) {
    // No files yet, or the log is missing/torn/left over: fold everything
    // (this change included) into a new snapshot.
    apply(change);
    compact_locked();
    return;
  }
  // Cut a torn tail so the next frame starts right after the last good one.
  std::string lpath = log_path();
  struct stat st;
  if (::stat(lpath.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) > log_valid_end_) {
    if (::truncate(lpath.c_str(), static_cast<off_t>(log_valid_end_)) < 0)
      throw_errno("cannot truncate the torn mdbox map log", lpath);
  }
  std::string payload = encode_mdbox_map_change(change);
  index_codec::Writer frame;
  frame.u32(static_cast<uint32_t>(payload.size()));
  frame.u32(index_codec::crc32_of(payload));
  frame.raw(payload);
  payload = {};
  int fd = ::open(lpath.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open the mdbox map log", lpath);
  ScopedFd holder(fd);
  pwrite_all(fd, frame.data(), log_valid_end_, lpath);
  if (fsync_ && ::fdatasync(fd) < 0) throw_errno("cannot fsync", lpath);
  apply(change);
  log_valid_end_ += frame.size();
  if (log_valid_end_ > kCompactLogBytes) compact_locked();
}

MdboxMap::Txn::Txn(MdboxMap& map) : map_(map), next_uid_((map.ensure_loaded(), map.hdr_.uidnext)) {}

uint32_t MdboxMap::Txn::append(uint32_t file_id, uint64_t offset, uint64_t size,
                               uint32_t refcount) {
  MdboxMapEntry e{next_uid_++, file_id, offset, size, refcount};
  append_entry(e);
  return e.map_uid;
}

void MdboxMap::Txn::append_entry(const MdboxMapEntry& e) {
  changed_[e.map_uid] = e;
  empty_ = false;
  if (e.map_uid >= next_uid_) next_uid_ = e.map_uid + 1;
}

std::optional<MdboxMapEntry> MdboxMap::Txn::current(uint32_t map_uid) const {
  auto it = changed_.find(map_uid);
  if (it != changed_.end()) return it->second;
  if (const MdboxMapEntry* cur = map_.find(map_uid)) return *cur;
  return std::nullopt;  // gone (rebuilt meanwhile)
}

void MdboxMap::Txn::add_ref(uint32_t map_uid, int delta) {
  auto e = current(map_uid);
  if (!e) return;
  int64_t ref = static_cast<int64_t>(e->refcount) + delta;
  e->refcount = ref < 0 ? 0 : static_cast<uint32_t>(ref);
  changed_[map_uid] = *e;
  empty_ = false;
}

void MdboxMap::Txn::move(uint32_t map_uid, uint32_t file_id, uint64_t offset, uint64_t size) {
  auto e = current(map_uid);
  if (!e) return;
  e->file_id = file_id;
  e->offset = offset;
  e->size = size;
  changed_[map_uid] = *e;
  empty_ = false;
}

void MdboxMap::Txn::remove(uint32_t map_uid) {
  changed_.erase(map_uid);
  removed_.push_back(map_uid);
  empty_ = false;
}

void MdboxMap::Txn::set_header(const MdboxMapHeader& header) {
  header_ = header;
  set_header_ = true;
  empty_ = false;
}

void MdboxMap::Txn::reset(const MdboxMapHeader& header) {
  header_ = header;
  set_header_ = true;
  changed_.clear();
  removed_.clear();
  reset_ = true;
  next_uid_ = 1;
  empty_ = false;
}

void MdboxMap::Txn::commit() {
  if (empty_) return;
  MdboxMapChange c;
  c.reset = reset_;
  c.set_header = set_header_;
  if (set_header_) {
    c.uid_validity = header_.uid_validity;
    c.stamp = encode_mdbox_map_stamp(header_);
  }
  // A UID removed and then put again ends as the put.
  std::sort(removed_.begin(), removed_.end());
  removed_.erase(std::unique(removed_.begin(), removed_.end()), removed_.end());
  for (uint32_t uid : removed_)
    if (!changed_.count(uid)) c.removes.push_back(uid);
  c.puts.reserve(changed_.size());
  for (const auto& [uid, e] : changed_) c.puts.push_back(e);
  map_.commit_change(c);
  changed_.clear();
  removed_.clear();
  reset_ = false;
  set_header_ = false;
  empty_ = true;
}

}  // namespace roost
