#include "formats/index/mail_index.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "formats/index/index_codec.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

namespace {
constexpr std::string_view kSnapshotMagic = "ROOSTIX1";
constexpr std::string_view kLogMagic = "ROOSTLG1";
constexpr uint32_t kVersion = 2;           // with the summary
constexpr uint32_t kVersionNoSummary = 1;  // read, never written
constexpr size_t kLogHeaderSize = 8 + 4 + 8;
constexpr size_t kFrameHeaderSize = 8;
constexpr uint32_t kMaxFrame = 1u << 30;
constexpr size_t kBigFrame = 32 << 10;

std::string log_header(uint64_t generation) {
  index_codec::Writer w;
  w.raw(kLogMagic);
  w.u32(kVersion);
  w.u64(generation);
  return std::move(w.data());
}
}  // namespace

// flock() on roost.index.lock for the duration of a commit or compaction.
class MailIndex::WriteLock {
 public:
  explicit WriteLock(const std::string& dir) : path_(path_join(dir, "roost.index.lock")) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw_errno("cannot open index lock", path_);
    while (::flock(fd_, LOCK_EX) < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd_);
      throw_errno("cannot lock index", path_, e);
    }
  }
  ~WriteLock() { ::close(fd_); }  // closing releases the flock
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

MailIndex::MailIndex(std::string dir, const Options& options)
    : dir_(std::move(dir)), options_(options) {}

std::string MailIndex::snapshot_path() const { return path_join(dir_, "roost.index"); }
std::string MailIndex::log_path() const { return path_join(dir_, "roost.index.log"); }

std::unique_ptr<MailIndex> MailIndex::open(const std::string& dir, const Options& options) {
  std::unique_ptr<MailIndex> index(new MailIndex(dir, options));
  if (options.lazy)
    index->load_summary();
  else
    index->load_all();
  return index;
}

void MailIndex::remove_files(const std::string& dir) {
  for (const char* name : {"roost.index", "roost.index.log"}) {
    std::string p = path_join(dir, name);
    if (::unlink(p.c_str()) < 0 && errno != ENOENT) throw_errno("cannot remove", p);
  }
}

namespace {
std::string pread_upto(int fd, size_t n, off_t offset, const std::string& path) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, out.data() + got, n - got, offset + static_cast<off_t>(got));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot read", path);
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

int64_t mtime_ns_of(const struct stat& st) {
  return st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}
}  // namespace

void MailIndex::forget_files() {
  generation_ = 0;
  snapshot_version_ = 0;
  log_generation_ = 0;
  log_version_ = 0;
  log_valid_end_ = 0;
  snapshot_id_ = {};
  log_id_ = {};
}

// Snapshot, version 2, after magic and version: u32 CRC32 of the head (the
// next three fields), u64 generation, u32 summary length, the summary; then
// u32 CRC32 of the rest, u64 body length, body. Version 1 has one CRC over
// generation, body length and body, and no summary.
//
// Log frames, version 2: u32 length, u32 CRC32 of the payload, payload (u32
// summary length, the summary after this transaction, the transaction),
// u32 length again, so the last frame can be found from the end. Version 1
// frames are the transaction alone, without the trailing length.
void MailIndex::load_summary() {
  state_ = IndexState{};
  loaded_ = false;
  forget_files();

  std::string spath = snapshot_path();
  int sfd = ::open(spath.c_str(), O_RDONLY | O_CLOEXEC);
  if (sfd < 0) {
    if (errno != ENOENT) throw_errno("cannot open index", spath);
    if (path_exists(log_path())) return load_all();  // let the full path judge
    summary_ = {};                                   // a new index: empty until the first commit
    return;
  }
  {
    ScopedFd holder(sfd);
    struct stat st;
    if (::fstat(sfd, &st) < 0) throw_errno("cannot stat", spath);
    std::string head = pread_upto(sfd, 4096, 0, spath);
    index_codec::Reader r(head, "index " + spath);
    if (r.remaining() < 12 || r.raw(8) != kSnapshotMagic) return load_all();
    if (r.u32() != kVersion) return load_all();  // version 1 (or corrupt): the full path decides
    if (r.remaining() < 16) return load_all();
    uint32_t crc = r.u32();
    size_t covered = r.pos();
    uint64_t gen = r.u64();
    uint32_t len = r.u32();
    if (len > r.remaining()) {
      if (len > (1u << 20)) return load_all();
      head = pread_upto(sfd, covered + 12 + len, 0, spath);
      r = index_codec::Reader(head, "index " + spath);
      r.raw(covered + 12);
    }
    if (len > r.remaining()) return load_all();
    std::string_view summary = r.raw(len);
    if (index_codec::crc32_of(std::string_view(head).substr(covered, 12 + len)) != crc)
      return load_all();
    summary_ = decode_summary(summary, "index " + spath);
    generation_ = gen;
    snapshot_version_ = kVersion;
    snapshot_id_ = {st.st_dev, st.st_ino, st.st_size, mtime_ns_of(st), true};
  }

  std::string lpath = log_path();
  int lfd = ::open(lpath.c_str(), O_RDONLY | O_CLOEXEC);
  if (lfd < 0) {
    if (errno != ENOENT) throw_errno("cannot open index log", lpath);
    return;
  }
  ScopedFd holder(lfd);
  struct stat st;
  if (::fstat(lfd, &st) < 0) throw_errno("cannot stat", lpath);
  log_id_ = {st.st_dev, st.st_ino, st.st_size, 0, true};
  std::string head = pread_upto(lfd, kLogHeaderSize, 0, lpath);
  if (head.size() < kLogHeaderSize) return;  // torn creation: the next writer recreates it
  index_codec::Reader r(head, "index log " + lpath);
  if (r.raw(8) != kLogMagic || r.u32() != kVersion) return load_all();
  uint64_t lgen = r.u64();
  if (lgen < generation_) return;             // left over from an interrupted compaction
  if (lgen > generation_) return load_all();  // compaction under way: it waits/decides
  log_generation_ = lgen;
  log_version_ = kVersion;
  size_t size = static_cast<size_t>(st.st_size);
  log_valid_end_ = size;
  if (size == kLogHeaderSize) return;
  // The last frame, found from its trailing length; anything unexpected
  // (a torn tail) is left to the full path.
  if (size < kLogHeaderSize + kFrameHeaderSize + 4) return load_all();
  std::string tail = pread_upto(lfd, 4, static_cast<off_t>(size - 4), lpath);
  uint32_t len = index_codec::Reader(tail, "index log " + lpath).u32();
  if (len > kMaxFrame || size - kLogHeaderSize < kFrameHeaderSize + len + 4) return load_all();
  size_t at = size - 4 - len - kFrameHeaderSize;
  std::string frame = pread_upto(lfd, kFrameHeaderSize + len, static_cast<off_t>(at), lpath);
  index_codec::Reader fr(frame, "index log " + lpath);
  if (fr.u32() != len) return load_all();
  uint32_t crc = fr.u32();
  std::string_view payload = fr.raw(len);
  if (index_codec::crc32_of(payload) != crc) return load_all();
  index_codec::Reader pr(payload, "index log " + lpath);
  uint32_t slen = pr.u32();
  summary_ = decode_summary(pr.raw(slen), "index log " + lpath);
}

void MailIndex::load_all() {
  loaded_ = false;
  summary_ = {};
  // A compaction running in another process may replace the snapshot and
  // then the log between our two reads; retry a few times before calling a
  // newer log than snapshot corruption.
  for (int attempt = 0;; ++attempt) {
    bool retry = attempt < 5;
    load_all_once(retry);
    if (!retry) break;
    ::usleep(2000);
  }
  loaded_ = true;
}

// `retry`: in, whether another attempt is allowed; out, whether one is
// wanted.
void MailIndex::load_all_once(bool& retry) {
  bool may_retry = retry;
  retry = false;
  state_ = IndexState{};
  state_.recent_rule = options_.recent_rule;
  state_.mark_recent = options_.mark_recent;
  forget_files();

  std::string spath = snapshot_path();
  int sfd = ::open(spath.c_str(), O_RDONLY | O_CLOEXEC);
  if (sfd < 0 && errno != ENOENT) throw_errno("cannot open index", spath);
  if (sfd >= 0) {
    ScopedFd holder(sfd);
    struct stat st;
    if (::fstat(sfd, &st) < 0) throw_errno("cannot stat", spath);
    snapshot_id_ = {st.st_dev, st.st_ino, st.st_size, mtime_ns_of(st), true};
    std::string data = pread_to_end(sfd, 0, spath);
    index_codec::Reader r(data, "index " + spath);
    if (r.remaining() < 8 || r.raw(8) != kSnapshotMagic) r.fail("not a Roost index (bad magic)");
    uint32_t version = r.u32();
    if (version != kVersion && version != kVersionNoSummary)
      r.fail("unsupported version " + std::to_string(version));
    if (version == kVersion) {
      uint32_t head_crc = r.u32();
      size_t covered = r.pos();
      generation_ = r.u64();
      uint32_t len = r.u32();
      r.raw(len);
      if (index_codec::crc32_of(std::string_view(data).substr(covered, r.pos() - covered)) !=
          head_crc)
        r.fail("checksum mismatch in the head");
    }
    uint32_t crc = r.u32();
    size_t covered = r.pos();
    if (index_codec::crc32_of(std::string_view(data).substr(covered)) != crc)
      r.fail("checksum mismatch");
    if (version == kVersionNoSummary) generation_ = r.u64();
    uint64_t body_len = r.u64();
    if (body_len != r.remaining()) r.fail("length mismatch");
    state_ = IndexState::decode(r.raw(body_len), "index " + spath, options_.recent_rule,
                                options_.mark_recent);
    snapshot_version_ = version;
  }

  std::string lpath = log_path();
  int lfd = ::open(lpath.c_str(), O_RDONLY | O_CLOEXEC);
  if (lfd < 0 && errno != ENOENT) throw_errno("cannot open index log", lpath);
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
  index_codec::Reader r(head, "index log " + lpath);
  if (r.raw(8) != kLogMagic) r.fail("not a Roost index log (bad magic)");
  uint32_t version = r.u32();
  if (version != kVersion && version != kVersionNoSummary) r.fail("unsupported log version");
  uint64_t lgen = r.u64();
  if (lgen < generation_) return;  // left over from an interrupted compaction
  if (lgen > generation_) {
    if (may_retry) {
      retry = true;
      return;
    }
    throw Error(kExitDataErr, "index log " + lpath + " is newer than its snapshot " + spath +
                                  " (generation " + std::to_string(lgen) + " > " +
                                  std::to_string(generation_) + "): the index is corrupt");
  }
  log_generation_ = lgen;
  log_version_ = version;
  log_valid_end_ = kLogHeaderSize;
  read_log_from(kLogHeaderSize);
}

bool MailIndex::read_log_from(size_t offset) {
  std::string lpath = log_path();
  int lfd = ::open(lpath.c_str(), O_RDONLY | O_CLOEXEC);
  if (lfd < 0) {
    if (errno == ENOENT) return false;
    throw_errno("cannot open index log", lpath);
  }
  ScopedFd holder(lfd);
  struct stat st;
  if (::fstat(lfd, &st) < 0) throw_errno("cannot stat", lpath);
  // Replaced by a compaction since we looked: offsets don't apply to it.
  if (log_id_.exists && (st.st_dev != log_id_.dev || st.st_ino != log_id_.ino)) return false;
  std::string data = pread_to_end(lfd, offset, lpath);
  std::string_view rest(data);
  const size_t trailer = log_version_ == kVersion ? 4 : 0;
  bool applied = false;
  while (rest.size() >= kFrameHeaderSize) {
    index_codec::Reader fr(rest.substr(0, kFrameHeaderSize), "index log frame");
    uint32_t len = fr.u32();
    uint32_t crc = fr.u32();
    if (len > kMaxFrame || rest.size() - kFrameHeaderSize < len + trailer) break;  // torn tail
    std::string_view payload = rest.substr(kFrameHeaderSize, len);
    if (index_codec::crc32_of(payload) != crc) break;  // torn/garbled tail
    if (trailer &&
        index_codec::Reader(rest.substr(kFrameHeaderSize + len, 4), "index log frame").u32() != len)
      break;
    if (trailer) {
      // The summary is what the transaction leads to: the records say it
      // again, so it is skipped here.
      index_codec::Reader pr(payload, "index log " + lpath);
      uint32_t slen = pr.u32();
      pr.raw(slen);
      payload.remove_prefix(pr.pos());
    }
    IndexTransactionRecord txn = decode_transaction(payload, "index log " + lpath);
    state_.apply(txn);
    applied = true;
    rest.remove_prefix(kFrameHeaderSize + len + trailer);
    log_valid_end_ = offset + (data.size() - rest.size());
  }
  return applied;
}

bool MailIndex::refresh() {
  struct stat st;
  FileId sid;
  if (::stat(snapshot_path().c_str(), &st) == 0)
    sid = {st.st_dev, st.st_ino, st.st_size, mtime_ns_of(st), true};
  else if (errno != ENOENT)
    throw_errno("cannot stat", snapshot_path());
  FileId lid;
  if (::stat(log_path().c_str(), &st) == 0)
    lid = {st.st_dev, st.st_ino, loaded_ ? 0 : st.st_size, 0, true};
  else if (errno != ENOENT)
    throw_errno("cannot stat", log_path());
  if (!loaded_) {
    if (sid == snapshot_id_ && lid == log_id_) return false;
    IndexSummary before = summary_;
    uint64_t gen = generation_;
    load_summary();
    IndexSummary after{header(), counters()};
    return !(before == after) || gen != generation_;
  }
  if (!(sid == snapshot_id_) || !(lid == log_id_) || log_generation_ == 0) {
    IndexHeader before = state_.header;
    size_t count = state_.records.size();
    uint64_t gen = generation_;
    load_all();
    return !(before == state_.header) || count != state_.records.size() || gen != generation_;
  }
  return read_log_from(log_valid_end_);
}

void MailIndex::ensure_files_locked() {
  // Files older than the summary are rewritten before the first append.
  bool old_log = log_generation_ == generation_ && log_generation_ != 0 && log_version_ != kVersion;
  if (generation_ == 0 || !snapshot_id_.exists || snapshot_version_ != kVersion || old_log) {
    generation_ = std::max<uint64_t>(generation_, 1);
    compact_locked();
    return;
  }
  if (log_generation_ != generation_) {
    write_file_atomic(log_path(), log_header(generation_));
    load_all();
    return;
  }
  // Cut a torn tail so the next frame starts right after the last good one.
  std::string lpath = log_path();
  struct stat st;
  if (::stat(lpath.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) > log_valid_end_) {
    if (::truncate(lpath.c_str(), static_cast<off_t>(log_valid_end_)) < 0)
      throw_errno("cannot truncate torn index log", lpath);
  }
}

void MailIndex::compact_locked() {
  state_.prune_expunges(options_.max_expunges);
  uint64_t gen = generation_ + 1;
  {
    std::string summary = encode_summary({state_.header, state_.counters()});
    index_codec::Writer w;
    w.raw(kSnapshotMagic);
    w.u32(kVersion);
    size_t head_crc_pos = w.size();
    w.u32(0);
    w.u64(gen);
    w.u32(static_cast<uint32_t>(summary.size()));
    w.raw(summary);
    w.patch_u32(head_crc_pos,
                index_codec::crc32_of(std::string_view(w.data()).substr(head_crc_pos + 4)));
    size_t crc_pos = w.size();
    w.u32(0);
    w.u64(0);  // body length, patched below
    size_t body_at = w.size();
    // Encoded in place: the snapshot is held once, not as a body plus a copy.
    state_.encode_to(w);
    uint64_t body_len = w.size() - body_at;
    w.patch_u32(body_at - 8, static_cast<uint32_t>(body_len & 0xffffffffu));
    w.patch_u32(body_at - 4, static_cast<uint32_t>(body_len >> 32));
    w.patch_u32(crc_pos, index_codec::crc32_of(std::string_view(w.data()).substr(crc_pos + 4)));
    write_file_atomic(snapshot_path(), w.data());
  }
  write_file_atomic(log_path(), log_header(gen));
  // The state in memory is what was written: take the new files' identity
  // instead of reading the snapshot back.
  struct stat st;
  if (::stat(snapshot_path().c_str(), &st) < 0) throw_errno("cannot stat", snapshot_path());
  snapshot_id_ = {st.st_dev, st.st_ino, st.st_size, mtime_ns_of(st), true};
  if (::stat(log_path().c_str(), &st) < 0) throw_errno("cannot stat", log_path());
  log_id_ = {st.st_dev, st.st_ino, 0, 0, true};
  generation_ = gen;
  snapshot_version_ = kVersion;
  log_generation_ = gen;
  log_version_ = kVersion;
  log_valid_end_ = kLogHeaderSize;
}

void MailIndex::compact() {
  WriteLock lock(dir_);
  load_all();
  compact_locked();
}

uint64_t MailIndex::commit_locked(IndexTransactionRecord& txn) {
  full();
  refresh();
  ensure_files_locked();
  txn.modseq = IndexState::changes_messages(txn) || txn.count_as_change
                   ? state_.header.highest_modseq + 1
                   : 0;
  // The frame carries the summary the transaction leads to: applied first,
  // and undone by reloading if the append fails. Built in place: a big
  // transaction is held encoded once.
  state_.apply(txn);
  size_t frame_size = 0;
  try {
    std::string summary = encode_summary({state_.header, state_.counters()});
    index_codec::Writer frame;
    frame.u32(0);  // length, patched below
    frame.u32(0);  // CRC32 of the payload, patched below
    frame.u32(static_cast<uint32_t>(summary.size()));
    frame.raw(summary);
    encode_transaction_to(frame, txn);
    uint32_t len = static_cast<uint32_t>(frame.size() - kFrameHeaderSize);
    frame.patch_u32(0, len);
    frame.patch_u32(4,
                    index_codec::crc32_of(std::string_view(frame.data()).substr(kFrameHeaderSize)));
    frame.u32(len);

    std::string lpath = log_path();
    int fd = ::open(lpath.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw_errno("cannot open index log", lpath);
    ScopedFd holder(fd);
    pwrite_all(fd, frame.data(), log_valid_end_, lpath);
    if (options_.fsync && ::fdatasync(fd) < 0) throw_errno("cannot fsync", lpath);
    log_valid_end_ += frame.size();
    frame_size = frame.size();
  } catch (...) {
    load_all();
    throw;
  }
  // A frame that is a big share of the whole (a mailbox's first indexing)
  // is folded into the snapshot at once: lazy readers read the log's last
  // frame, and should not read the mailbox twice over.
  bool big_frame =
      frame_size > kBigFrame && frame_size * 4 > static_cast<size_t>(snapshot_id_.size);
  if (log_valid_end_ > options_.compact_log_bytes || big_frame) compact_locked();
  return txn.modseq;
}

bool MailIndex::expunges_known_since(uint64_t modseq) const {
  return modseq >= header().expunges_pruned_modseq;
}

std::vector<ExpungeRecord> MailIndex::expunges_since(uint64_t modseq) {
  const auto& expunges = full().expunges;
  auto it = std::upper_bound(expunges.begin(), expunges.end(), modseq,
                             [](uint64_t m, const ExpungeRecord& e) { return m < e.modseq; });
  return {it, expunges.end()};
}

std::vector<MessageRecord> MailIndex::changed_since(uint64_t modseq) {
  std::vector<MessageRecord> out;
  for (const auto& m : full().records)
    if (m.modseq > modseq) out.push_back(m);
  return out;
}

void MailIndex::Transaction::append(const MessageRecord& record) {
  IndexOp op{IndexOp::kAppend, record, {}, {}};
  txn_.ops.push_back(std::move(op));
}

void MailIndex::Transaction::update(const MessageRecord& record) {
  txn_.ops.push_back(IndexOp{IndexOp::kUpdate, record, {}, {}});
}

void MailIndex::Transaction::update_flags(uint32_t uid, const MessageFlags& flags) {
  IndexOp op{IndexOp::kUpdateFlags, {}, {}, {}};
  op.record.uid = uid;
  op.record.flags = flags;
  txn_.ops.push_back(std::move(op));
}

void MailIndex::Transaction::expunge(uint32_t uid, std::string hdr_key) {
  IndexOp op{IndexOp::kExpunge, {}, {}, std::move(hdr_key)};
  op.record.uid = uid;
  txn_.ops.push_back(std::move(op));
}

void MailIndex::Transaction::set_header(const IndexHeader& header) {
  txn_.ops.push_back(IndexOp{IndexOp::kSetHeader, {}, header, {}});
}

void MailIndex::Transaction::add_keyword(const std::string& keyword) {
  txn_.ops.push_back(IndexOp{IndexOp::kAddKeyword, {}, {}, keyword});
}

void MailIndex::Transaction::reset(const IndexHeader& header) {
  txn_.ops.push_back(IndexOp{IndexOp::kReset, {}, header, {}});
}

uint64_t MailIndex::raise_modseq() {
  WriteLock lock(dir_);
  IndexTransactionRecord txn;
  txn.count_as_change = true;
  return commit_locked(txn);
}

uint64_t MailIndex::Transaction::commit() {
  if (txn_.ops.empty()) return 0;
  WriteLock lock(index_->dir_);
  uint64_t modseq = index_->commit_locked(txn_);
  txn_ = {};
  return modseq;
}

}  // namespace roost
