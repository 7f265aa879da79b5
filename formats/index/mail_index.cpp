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
constexpr uint32_t kVersion = 1;
constexpr size_t kLogHeaderSize = 8 + 4 + 8;
constexpr size_t kFrameHeaderSize = 8;
constexpr uint32_t kMaxFrame = 1u << 30;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string read_fd_from(int fd, off_t offset, const std::string& path) {
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}

void pwrite_all(int fd, std::string_view data, off_t offset, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
}

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
  index->load_all();
  return index;
}

void MailIndex::remove_files(const std::string& dir) {
  for (const char* name : {"roost.index", "roost.index.log"}) {
    std::string p = path_join(dir, name);
    if (::unlink(p.c_str()) < 0 && errno != ENOENT) throw_errno("cannot remove", p);
  }
}

void MailIndex::load_all() {
  // A compaction running in another process may replace the snapshot and
  // then the log between our two reads; retry a few times before calling a
  // newer log than snapshot corruption.
  for (int attempt = 0;; ++attempt) {
    state_ = IndexState{};
    generation_ = 0;
    log_generation_ = 0;
    log_valid_end_ = 0;
    snapshot_id_ = {};
    log_id_ = {};

    std::string spath = snapshot_path();
    int sfd = ::open(spath.c_str(), O_RDONLY | O_CLOEXEC);
    if (sfd < 0 && errno != ENOENT) throw_errno("cannot open index", spath);
    if (sfd >= 0) {
      Fd holder(sfd);
      struct stat st;
      if (::fstat(sfd, &st) < 0) throw_errno("cannot stat", spath);
      snapshot_id_ = {st.st_dev, st.st_ino, st.st_size,
                      st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, true};
      std::string data = read_fd_from(sfd, 0, spath);
      index_codec::Reader r(data, "index " + spath);
      if (r.remaining() < 8 || r.raw(8) != kSnapshotMagic)
        r.fail("not a Roost index (bad magic)");
      uint32_t version = r.u32();
      if (version != kVersion) r.fail("unsupported version " + std::to_string(version));
      uint32_t crc = r.u32();
      size_t covered = r.pos();
      if (index_codec::crc32_of(std::string_view(data).substr(covered)) != crc)
        r.fail("checksum mismatch");
      generation_ = r.u64();
      uint64_t body_len = r.u64();
      if (body_len != r.remaining()) r.fail("length mismatch");
      state_ = IndexState::decode(r.raw(body_len), "index " + spath);
    }

    std::string lpath = log_path();
    int lfd = ::open(lpath.c_str(), O_RDONLY | O_CLOEXEC);
    if (lfd < 0 && errno != ENOENT) throw_errno("cannot open index log", lpath);
    if (lfd < 0) return;
    Fd holder(lfd);
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
    if (r.u32() != kVersion) r.fail("unsupported log version");
    uint64_t lgen = r.u64();
    if (lgen < generation_) return;  // left over from an interrupted compaction
    if (lgen > generation_) {
      if (attempt < 5) {
        ::usleep(2000);
        continue;
      }
      throw Error(kExitDataErr, "index log " + lpath + " is newer than its snapshot " + spath +
                                    " (generation " + std::to_string(lgen) + " > " +
                                    std::to_string(generation_) + "): the index is corrupt");
    }
    log_generation_ = lgen;
    log_valid_end_ = kLogHeaderSize;
    read_log_from(kLogHeaderSize);
    return;
  }
}

bool MailIndex::read_log_from(size_t offset) {
  std::string lpath = log_path();
  int lfd = ::open(lpath.c_str(), O_RDONLY | O_CLOEXEC);
  if (lfd < 0) {
    if (errno == ENOENT) return false;
    throw_errno("cannot open index log", lpath);
  }
  Fd holder(lfd);
  struct stat st;
  if (::fstat(lfd, &st) < 0) throw_errno("cannot stat", lpath);
  // Replaced by a compaction since we looked: offsets don't apply to it.
  if (log_id_.exists && (st.st_dev != log_id_.dev || st.st_ino != log_id_.ino)) return false;
  std::string data = read_fd_from(lfd, static_cast<off_t>(offset), lpath);
  std::string_view rest(data);
  bool applied = false;
  while (rest.size() >= kFrameHeaderSize) {
    index_codec::Reader fr(rest.substr(0, kFrameHeaderSize), "index log frame");
    uint32_t len = fr.u32();
    uint32_t crc = fr.u32();
    if (len > kMaxFrame || rest.size() - kFrameHeaderSize < len) break;  // torn tail
    std::string_view payload = rest.substr(kFrameHeaderSize, len);
    if (index_codec::crc32_of(payload) != crc) break;  // torn/garbled tail
    IndexTransactionRecord txn = decode_transaction(payload, "index log " + lpath);
    state_.apply(txn);
    applied = true;
    rest.remove_prefix(kFrameHeaderSize + len);
    log_valid_end_ = offset + (data.size() - rest.size());
  }
  return applied;
}

bool MailIndex::refresh() {
  struct stat st;
  FileId sid;
  if (::stat(snapshot_path().c_str(), &st) == 0)
    sid = {st.st_dev, st.st_ino, st.st_size,
           st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, true};
  else if (errno != ENOENT)
    throw_errno("cannot stat", snapshot_path());
  FileId lid;
  if (::stat(log_path().c_str(), &st) == 0)
    lid = {st.st_dev, st.st_ino, 0, 0, true};
  else if (errno != ENOENT)
    throw_errno("cannot stat", log_path());
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
  if (generation_ == 0 || !snapshot_id_.exists) {
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
  std::string body = state_.encode();
  index_codec::Writer w;
  w.raw(kSnapshotMagic);
  w.u32(kVersion);
  size_t crc_pos = w.size();
  w.u32(0);
  w.u64(gen);
  w.u64(body.size());
  w.raw(body);
  w.patch_u32(crc_pos, index_codec::crc32_of(std::string_view(w.data()).substr(crc_pos + 4)));
  write_file_atomic(snapshot_path(), w.data());
  write_file_atomic(log_path(), log_header(gen));
  load_all();
}

void MailIndex::compact() {
  WriteLock lock(dir_);
  load_all();
  compact_locked();
}

uint64_t MailIndex::commit_locked(IndexTransactionRecord& txn) {
  refresh();
  ensure_files_locked();
  txn.modseq = IndexState::changes_messages(txn) || txn.count_as_change
                   ? state_.header.highest_modseq + 1
                   : 0;
  std::string payload = encode_transaction(txn);
  index_codec::Writer frame;
  frame.u32(static_cast<uint32_t>(payload.size()));
  frame.u32(index_codec::crc32_of(payload));
  frame.raw(payload);

  std::string lpath = log_path();
  int fd = ::open(lpath.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open index log", lpath);
  Fd holder(fd);
  pwrite_all(fd, frame.data(), static_cast<off_t>(log_valid_end_), lpath);
  if (options_.fsync && ::fdatasync(fd) < 0) throw_errno("cannot fsync", lpath);
  state_.apply(txn);
  log_valid_end_ += frame.size();
  if (log_valid_end_ > options_.compact_log_bytes) compact_locked();
  return txn.modseq;
}

bool MailIndex::expunges_known_since(uint64_t modseq) const {
  return modseq >= state_.header.expunges_pruned_modseq;
}

std::vector<ExpungeRecord> MailIndex::expunges_since(uint64_t modseq) const {
  auto it = std::upper_bound(state_.expunges.begin(), state_.expunges.end(), modseq,
                             [](uint64_t m, const ExpungeRecord& e) { return m < e.modseq; });
  return {it, state_.expunges.end()};
}

std::vector<MessageRecord> MailIndex::changed_since(uint64_t modseq) const {
  std::vector<MessageRecord> out;
  for (const auto& m : state_.records)
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
