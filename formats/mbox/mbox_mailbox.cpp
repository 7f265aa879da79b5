#include "formats/mbox/mbox_mailbox.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <deque>
#include <iostream>
#include <optional>
#include <set>

#include "formats/index/dovecot/mailbox_index.hpp"
#include "formats/index/index_status.hpp"
#include "formats/list/subscriptions_file.hpp"
#include "formats/list/uidvalidity_file.hpp"
#include "formats/mbox/mbox_expunge_keys.hpp"
#include "formats/mbox/mbox_from.hpp"
#include "formats/mbox/mbox_lock.hpp"
#include "formats/mbox/mbox_message_stream.hpp"
#include "formats/mbox/mbox_writer.hpp"
#include "formats/mime/header_key.hpp"
#include "formats/model/message_file.hpp"
#include "lib/compress/decompress.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

// A read-only mapping of a whole file (empty files map to nothing).
class Mapping {
 public:
  Mapping(int fd, size_t size, const std::string& path) : size_(size) {
    if (size == 0) return;
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) throw_errno("cannot map", path);
    ::madvise(p, size, MADV_SEQUENTIAL);
    addr_ = p;
  }
  ~Mapping() {
    if (addr_) ::munmap(addr_, size_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  std::string_view view() const {
    return addr_ ? std::string_view(static_cast<const char*>(addr_), size_) : std::string_view();
  }

 private:
  void* addr_ = nullptr;
  size_t size_;
};

std::string stamp_of(const struct stat& st) {
  return std::to_string(st.st_ino) + "/" + std::to_string(st.st_size) + "/" +
         std::to_string(int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec);
}

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// Buffered writes to the temp file of a rewrite.
class Writer {
 public:
  Writer(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void put(std::string_view s) {
    if (buf_.size() + s.size() > (1 << 20)) flush();
    if (s.size() > (1 << 20)) {
      write_all(s);
    } else {
      buf_.append(s);
    }
  }
  void flush() {
    write_all(buf_);
    buf_.clear();
  }

 private:
  void write_all(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::write(fd_, s.data(), s.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno("cannot write", path_);
      }
      s.remove_prefix(static_cast<size_t>(n));
    }
  }
  int fd_;
  std::string path_;
  std::string buf_;
};

std::string_view header_without_end(const MboxMail& m) {
  std::string_view h = m.clean_header;
  if (!m.header_ended) return h;
  if (h.size() >= 2 && h.substr(h.size() - 2) == "\r\n") return h.substr(0, h.size() - 2);
  return h.substr(0, h.size() - 1);
}

// One saved message exactly as a rewrite writes it (From_ line, header,
// metadata headers, empty line, body, separator LF).
std::string render_saved(const MboxPendingSave& s, const std::string& meta) {
  std::string out =
      make_from_line("MAILER-DAEMON", s.received_date ? s.received_date : std::time(nullptr));
  out += "\n";
  std::string_view h = s.header;
  h.remove_suffix(h.size() >= 2 && h.substr(h.size() - 2) == "\r\n" ? 2 : 1);
  out += h;
  out += meta;
  out += "\n";
  out += s.body;
  out += "\n";
  return out;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Offset of the 10-digit uid-last value in the first message's X-IMAPbase
// header, or 0 when it isn't there exactly as Dovecot writes it (then it
// can't be updated in place).
uint64_t imapbase_uid_last_offset(std::string_view data, const MboxMail& first,
                                  uint32_t uidvalidity, uint32_t uid_last) {
  size_t p = first.header_offset;
  size_t end = std::min<size_t>(first.body_offset, data.size());
  while (p < end) {
    size_t e = data.find('\n', p);
    if (e == std::string_view::npos || e >= end) e = end;
    std::string_view line = data.substr(p, e - p);
    if (line.size() > 11 && iequals(line.substr(0, 11), "X-IMAPbase:")) {
      size_t i = 11;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      uint64_t uv = 0;
      size_t d = i;
      while (i < line.size() && line[i] >= '0' && line[i] <= '9') uv = uv * 10 + (line[i++] - '0');
      if (i == d || uv != uidvalidity || i >= line.size() || line[i] != ' ') return 0;
      ++i;
      size_t start = i;
      uint64_t ul = 0;
      while (i < line.size() && line[i] >= '0' && line[i] <= '9') ul = ul * 10 + (line[i++] - '0');
      if (i - start != 10 || ul != uid_last) return 0;
      return p + start;
    }
    p = e + 1;
  }
  return 0;
}

}  // namespace

std::string MboxMailbox::append_marker_path() const {
  return path_join(paths_.index_dir, "roost-append");
}

std::string MboxMailbox::expunge_keys_path() const {
  return path_join(paths_.index_dir, kMboxExpungeKeysFile);
}

// A torn append: an append writes the marker (inode, start offset, end
// offset, hash of the appended bytes) before its first byte and removes it
// after the index is updated. Called with the write locks held on `fd`.
void MboxMailbox::recover_append(int fd) {
  std::string marker = append_marker_path();
  auto maybe = read_file_if_exists(marker);
  if (!maybe) return;  // no marker: no append was interrupted
  std::string text = *maybe;
  unsigned long long ino = 0, off = 0, end = 0, hash = 0;
  struct stat st;
  if (::fstat(fd, &st) < 0) throw_errno("cannot stat", paths_.file);
  // A marker without its final LF was being written: no data yet.
  if (!text.empty() && text.back() == '\n' &&
      std::sscanf(text.c_str(), "%llu %llu %llu %llx", &ino, &off, &end, &hash) == 4 &&
      ino == st.st_ino && off < end && static_cast<unsigned long long>(st.st_size) >= off) {
    auto size = static_cast<unsigned long long>(st.st_size);
    bool complete = false;
    if (size >= end) {
      std::string buf(end - off, '\0');
      ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
      complete = n == static_cast<ssize_t>(buf.size()) && fnv1a(buf) == hash;
    }
    if (!complete && size <= end) {
      // The appending process died: drop its partial messages (never
      // committed) by truncating back to the last complete message.
      if (size > off) {
        if (::ftruncate(fd, static_cast<off_t>(off)) < 0) throw_errno("cannot truncate", paths_.file);
        if (fsync_ && ::fsync(fd) < 0) throw_errno("cannot fsync", paths_.file);
      }
    } else if (!complete) {
      std::cerr << "roost: warning: " << paths_.file
                << ": an interrupted append was followed by other writes; keeping its data\n";
    }
  }
  ::unlink(marker.c_str());
}

// What messages() shows as \Recent (an O status ends it), for the index's
// STATUS counters.
static bool mbox_recent(const MessageRecord& m, uint32_t) {
  return m.locator != "O";
}

MboxMailbox::MboxMailbox(std::string name, MboxPaths paths, bool fsync)
    : name_(std::move(name)), paths_(std::move(paths)), fsync_(fsync) {
  compression_ = compression_from_extension(basename_of(paths_.file)).value_or(Compression::kNone);
  make_dirs(paths_.index_dir);
  MailIndex::Options opt;
  opt.fsync = fsync_;
  opt.recent_rule = mbox_recent;
  try {
    index_ = MailIndex::open(paths_.index_dir, opt);
  } catch (const Error& e) {
    if (e.exit_code() != kExitDataErr) throw;
    // The index is only a cache of the mbox file: rebuild it.
    std::cerr << "roost: warning: " << e.what() << "; rebuilding the index from the mbox file\n";
    MailIndex::remove_files(paths_.index_dir);
    index_ = MailIndex::open(paths_.index_dir, opt);
  }
  sync();
}

MboxMailbox::~MboxMailbox() = default;

std::string MboxMailbox::file_stamp(bool& stable) const {
  struct stat st;
  stable = true;
  if (::stat(paths_.file.c_str(), &st) < 0) {
    if (errno != ENOENT) throw_errno("cannot stat", paths_.file);
    return "-";
  }
  // A change within the same clock tick as the mtime we record could go
  // unnoticed: don't trust a stamp this fresh.
  if (std::time(nullptr) - st.st_mtim.tv_sec < 2) stable = false;
  return stamp_of(st);
}

Guid128 MboxMailbox::initial_mailbox_guid() const {
  // Dovecot keeps an mbox's GUID in its own index (the `mbox` header):
  // take that one, so Roost and doveadm name the mailbox alike and dsync
  // matches it up.
  try {
    DovecotMailboxIndex dovecot = load_dovecot_mailbox_index(paths_.index_dir);
    if (auto g = Guid128::parse(dovecot.mailbox_guid)) return *g;
  } catch (const Error&) {
    // No Dovecot index here, or one Roost can't read: a GUID of its own.
  }
  return Guid128::generate();
}

uint32_t MboxMailbox::ensure_uidvalidity() {
  return allocate_uidvalidity(paths_.control_dir);
}

void MboxMailbox::sync() {
  index_->refresh();
  bool stable = false;
  std::string stamp = file_stamp(stable);
  if (stable && stamp == index_->header().sync_stamp && index_->header().uidvalidity != 0) return;
  scan_file();
}

std::string MboxMailbox::uncompressed_copy(const std::string& stamp) {
  std::string copy = path_join(paths_.index_dir, "roost-uncompressed.mbox");
  std::string stamp_file = copy + ".stamp";
  if (read_file_if_exists(stamp_file) == stamp && path_exists(copy)) return copy;
  int fd = ::open(paths_.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open mbox", paths_.file);
  std::string what = "compressed mbox file " + paths_.file;
  if (compression_ != Compression::kNone && detect_fd_compression(fd, what) != compression_) {
    ::close(fd);
    throw Error(kExitDataErr, what + ": the name says " +
                                  std::string(compression_name(compression_)) +
                                  " but the data is not; rename the file or recompress it");
  }
  auto in = open_fd_decompressing(fd, what);
  std::string tmp = copy + ".tmp";
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) throw_errno("cannot create", tmp);
  try {
    MessageFileWriter writer(out, tmp, SaveCompression{}, LineEndings::kKeep);
    char buf[65536];
    while (*in) {
      in->read(buf, sizeof buf);
      if (in->gcount() > 0) writer.write(std::string_view(buf, static_cast<size_t>(in->gcount())));
    }
    writer.finish();
  } catch (...) {
    ::close(out);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(out);
  // A cache of the compressed file: no fsync needed, a torn copy is
  // recognized by its missing or stale stamp and made again.
  if (::rename(tmp.c_str(), copy.c_str()) < 0) throw_errno("cannot rename", tmp);
  write_file_atomic(stamp_file, stamp);
  return copy;
}

void MboxMailbox::assign_index_uids(MboxScan& scan) const {
  // GUIDs repeat (a header MD5 of mails without Date/Message-ID): each
  // GUID keeps its UIDs in order and hands them out in file order.
  std::map<std::string, std::deque<uint32_t>> by_guid;
  std::set<uint32_t> used;
  for (const auto& m : scan.mails)
    if (m.uid) used.insert(m.uid);
  for (const auto& r : index_->records())
    if (!used.count(r.uid)) by_guid[r.guid].push_back(r.uid);
  uint32_t next = std::max(index_->header().uidnext, scan.uid_last + 1);
  for (const auto& m : scan.mails) next = std::max(next, m.uid + 1);
  for (auto& m : scan.mails) {
    if (m.uid) continue;
    auto it = by_guid.find(m.guid);
    if (it != by_guid.end() && !it->second.empty()) {
      m.uid = it->second.front();
      it->second.pop_front();
    } else {
      m.uid = next++;
    }
  }
  scan.uid_last = std::max(scan.uid_last, next - 1);
}

void MboxMailbox::scan_file() {
  if (compression_ != Compression::kNone) {
    // Dovecot's zlib plugin opens a compressed mbox read-only: parse the
    // decompressed copy, never write the file.
    int fd = ::open(paths_.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_errno("cannot open mbox", paths_.file);
    FdCloser closer(fd);
    MboxLock lock = MboxLock::acquire(paths_.file, fd, MboxLock::Mode::kRead);
    struct stat st;
    if (::fstat(fd, &st) < 0) throw_errno("cannot stat", paths_.file);
    std::string copy = uncompressed_copy(stamp_of(st));
    int cfd = ::open(copy.c_str(), O_RDONLY | O_CLOEXEC);
    if (cfd < 0) throw_errno("cannot open", copy);
    FdCloser copy_closer(cfd);
    struct stat cst;
    if (::fstat(cfd, &cst) < 0) throw_errno("cannot stat", copy);
    Mapping map(cfd, static_cast<size_t>(cst.st_size), copy);
    MboxScan scan = cst.st_size ? parse_mbox(map.view()) : MboxScan{};
    assign_index_uids(scan);
    scan_ = std::move(scan);
    scan_stamp_ = stamp_of(st);
    reconcile(scan_, scan_stamp_, {});
    return;
  }
  if (::access(append_marker_path().c_str(), F_OK) == 0 &&
      ::access(paths_.file.c_str(), W_OK) == 0) {
    MboxLock wlock = MboxLock::acquire(paths_.file, -1, MboxLock::Mode::kWrite);
    int wfd = ::open(paths_.file.c_str(), O_RDWR | O_CLOEXEC);
    if (wfd >= 0) {
      FdCloser wcloser(wfd);
      wlock.lock_fcntl(paths_.file, wfd, MboxLock::Mode::kWrite);
      recover_append(wfd);
    }
  }
  int fd = ::open(paths_.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) throw_errno("cannot open mbox", paths_.file);
    scan_ = MboxScan{};
    scan_stamp_ = "-";
    reconcile(scan_, "-", {});
    return;
  }
  bool needs_rewrite = false;
  {
    FdCloser closer(fd);
    MboxLock lock = MboxLock::acquire(paths_.file, fd, MboxLock::Mode::kRead);
    struct stat st;
    if (::fstat(fd, &st) < 0) throw_errno("cannot stat", paths_.file);
    Mapping map(fd, static_cast<size_t>(st.st_size), paths_.file);
    MboxScan scan = parse_mbox(map.view());
    needs_rewrite = scan.needs_rewrite || (scan.uidvalidity == 0 && !scan.mails.empty());
    if (!needs_rewrite || ::access(paths_.file.c_str(), W_OK) != 0) {
      if (needs_rewrite) assign_index_uids(scan);
      scan_ = std::move(scan);
      scan_stamp_ = stamp_of(st);
      reconcile(scan_, scan_stamp_, {});
      return;
    }
  }
  // Messages without UIDs (an MTA delivered them): give them UIDs now and
  // write them into the file, so every reader agrees on them.
  rewrite(MboxChanges{});
}

void MboxMailbox::reconcile(const MboxScan& scan, const std::string& stamp,
                            const std::map<uint32_t, int64_t>& save_dates,
                            const std::map<uint32_t, std::string>& expunge_keys) {
  IndexHeader h = index_->header();
  auto itx = index_->begin();
  uint32_t uv = scan.uidvalidity ? scan.uidvalidity : h.uidvalidity;
  if (uv == 0) uv = ensure_uidvalidity();
  bool reset = false;
  if (uv != h.uidvalidity) {
    IndexHeader nh;
    nh.uidvalidity = uv;
    nh.uidnext = 1;
    nh.mailbox_guid = h.mailbox_guid.empty() ? initial_mailbox_guid() : h.mailbox_guid;
    itx.reset(nh);
    h = nh;
    reset = true;
  }
  int64_t now = std::time(nullptr);
  std::set<uint32_t> seen;
  for (const auto& m : scan.mails) {
    if (m.uid == 0) continue;  // read-only file: no stable UID to give
    seen.insert(m.uid);
    MessageRecord r;
    r.uid = m.uid;
    r.guid = m.guid;
    r.flags = m.flags;
    r.received_date = m.received_date;
    r.physical_size = m.clean_header.size() + (m.body_end - m.body_offset);
    r.virtual_size = m.virtual_size;
    r.locator = m.old ? "O" : "";
    const MessageRecord* old = reset ? nullptr : index_->find(m.uid);
    if (old) {
      r.save_date = old->save_date;
      r.modseq = old->modseq;
      if (!(old->flags == r.flags) || old->guid != r.guid || old->locator != r.locator ||
          old->physical_size != r.physical_size || old->received_date != r.received_date)
        itx.update(r);
    } else {
      auto it = save_dates.find(m.uid);
      r.save_date = it != save_dates.end() && it->second ? it->second : now;
      itx.append(r);
    }
  }
  if (!reset) {
    // Mails a rewrite dropped whose index update a kill cut off: their keys
    // from before the rename (read only when such a mail is missing).
    std::optional<std::map<uint32_t, std::string>> left_keys;
    for (const auto& r : index_->records()) {
      if (seen.count(r.uid)) continue;
      auto key = expunge_keys.find(r.uid);
      if (key != expunge_keys.end()) {
        itx.expunge(r.uid, key->second);
        continue;
      }
      if (!left_keys) {
        auto text = read_file_if_exists(expunge_keys_path());
        left_keys = text ? decode_mbox_expunge_keys(*text, h.uidvalidity)
                         : std::map<uint32_t, std::string>{};
      }
      auto left = left_keys->find(r.uid);
      itx.expunge(r.uid, left == left_keys->end() ? std::string() : left->second);
    }
  }
  for (const auto& k : scan.keywords) {
    bool known = false;
    for (const auto& x : index_->keywords()) known = known || iequals(x, k);
    if (!known || reset) itx.add_keyword(k);
  }
  h.uidnext = std::max(h.uidnext, scan.uid_last + 1);
  if (h.mailbox_guid.empty()) h.mailbox_guid = initial_mailbox_guid();
  h.sync_stamp = stamp;
  if (!(h == index_->header()) || !itx.empty()) {
    itx.set_header(h);
    itx.commit();
  }
  messages_valid_ = false;
}

std::vector<uint32_t> MboxMailbox::rewrite(const MboxChanges& changes) {
  if (compression_ != Compression::kNone)
    throw Error(kExitNoPerm, "mailbox " + name_ + " is a " +
                                 std::string(compression_name(compression_)) +
                                 "-compressed mbox file (" + paths_.file +
                                 "), which is read-only: decompress it to change it");
  make_dirs(dirname_of(paths_.file));
  MboxLock lock = MboxLock::acquire(paths_.file, -1, MboxLock::Mode::kWrite);
  int fd = ::open(paths_.file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw_errno("cannot open mbox", paths_.file);
  FdCloser closer(fd);
  lock.lock_fcntl(paths_.file, fd, MboxLock::Mode::kWrite);
  recover_append(fd);
  index_->refresh();
  struct stat st;
  if (::fstat(fd, &st) < 0) throw_errno("cannot stat", paths_.file);
  Mapping map(fd, static_cast<size_t>(st.st_size), paths_.file);
  std::string_view data = map.view();
  MboxScan scan = parse_mbox(data);

  const IndexHeader& ih = index_->header();
  uint32_t uv = scan.uidvalidity ? scan.uidvalidity : ih.uidvalidity;
  if (uv == 0) uv = ensure_uidvalidity();
  // Never hand out a UID the index or the file has seen.
  uint32_t uid_last = scan.uid_last;
  if (uv == ih.uidvalidity && ih.uidnext > 0) uid_last = std::max(uid_last, ih.uidnext - 1);
  for (const auto& m : scan.mails) uid_last = std::max(uid_last, m.uid);
  // UIDs must ascend through the file: from the first message without a
  // usable UID on, every message gets a new one.
  bool renumber = false;
  for (auto& m : scan.mails) {
    if (renumber || m.uid == 0) {
      renumber = true;
      m.uid = ++uid_last;
    }
  }
  std::set<uint32_t> expunged(changes.expunges.begin(), changes.expunges.end());
  std::map<uint32_t, std::string> expunge_keys;
  for (const auto& m : scan.mails)
    if (expunged.count(m.uid)) expunge_keys[m.uid] = mail_header_key(m.clean_header);
  for (const auto& [uid, op] : changes.flag_ops) {
    for (auto& m : scan.mails) {
      if (m.uid != uid) continue;
      MessageFlags change = op.second;
      change.system &= kFlagsStorable;
      apply_flag_update(m.flags, op.first, change);
      m.flags.system &= kFlagsStorable;
    }
  }
  std::vector<uint32_t> save_uids;
  std::map<uint32_t, int64_t> save_dates;
  for (const auto& s : changes.saves) {
    uint32_t uid = s.want_uid > uid_last ? s.want_uid : uid_last + 1;
    uid_last = uid;
    save_uids.push_back(uid);
    save_dates[uid] = s.save_date;
  }
  std::vector<std::string> keywords = scan.keywords;
  auto add_kw = [&](const MessageFlags& f) {
    for (const auto& k : f.keywords) {
      bool known = false;
      for (const auto& x : keywords) known = known || iequals(x, k);
      if (!known) keywords.push_back(k);
    }
  };
  for (const auto& m : scan.mails) add_kw(m.flags);
  for (const auto& s : changes.saves) add_kw(s.flags);

  // Only saves, nothing to renumber, no new keyword, X-IMAPbase updatable
  // in place: append at the end, as Dovecot does, keeping the inode.
  if (changes.flag_ops.empty() && changes.expunges.empty() && !changes.saves.empty() &&
      !renumber && !scan.needs_rewrite && scan.uidvalidity != 0 && uv == scan.uidvalidity &&
      !scan.has_pseudo && !scan.mails.empty() && keywords.size() == scan.keywords.size() &&
      data.back() == '\n' && scan.mails.back().next_offset == data.size()) {
    uint64_t base_off =
        imapbase_uid_last_offset(data, scan.mails.front(), scan.uidvalidity, scan.uid_last);
    if (base_off != 0) {
      std::string out;
      for (size_t i = 0; i < changes.saves.size(); ++i) {
        const auto& s = changes.saves[i];
        MboxMetadata meta;
        meta.uidvalidity = uv;
        meta.uid_last = uid_last;
        meta.uid = save_uids[i];
        meta.flags = s.flags;
        meta.flags.system &= kFlagsStorable;
        meta.content_length = s.body.size();
        out += render_saved(s, render_mbox_metadata(meta));
      }
      uint64_t off = data.size();
      char mk[128];
      std::snprintf(mk, sizeof mk, "%llu %llu %llu %llx\n",
                    static_cast<unsigned long long>(st.st_ino), static_cast<unsigned long long>(off),
                    static_cast<unsigned long long>(off + out.size()),
                    static_cast<unsigned long long>(fnv1a(out)));
      {
        int mfd = ::open(append_marker_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (mfd < 0) throw_errno("cannot create", append_marker_path());
        FdCloser mcloser(mfd);
        pwrite_all(mfd, mk, 0, append_marker_path());
      }
      // The last UID first: a kill after it only leaves a gap in the UIDs.
      char digits[16];
      std::snprintf(digits, sizeof digits, "%010u", uid_last);
      pwrite_all(fd, std::string_view(digits, 10), base_off, paths_.file);
      try {
        pwrite_all(fd, out, off, paths_.file);
        if (fsync_ && ::fsync(fd) < 0) throw_errno("cannot fsync", paths_.file);
      } catch (...) {
        // As Dovecot's mbox_save_truncate: cut the failed append off again
        // (the marker stays for the next open if even that fails).
        if (::ftruncate(fd, static_cast<off_t>(off)) == 0) ::unlink(append_marker_path().c_str());
        throw;
      }
      struct stat nst;
      if (::fstat(fd, &nst) < 0) throw_errno("cannot stat", paths_.file);
      Mapping nmap(fd, static_cast<size_t>(nst.st_size), paths_.file);
      scan_ = parse_mbox(nmap.view());
      scan_stamp_ = stamp_of(nst);
      reconcile(scan_, scan_stamp_, save_dates);
      ::unlink(append_marker_path().c_str());
      return save_uids;
    }
  }

  std::string dir = dirname_of(paths_.file);
  std::string tmp_prefix = ".roost-" + basename_of(paths_.file) + ".";
  // Temp files of writers killed mid-rewrite: we hold the dotlock, so none
  // of them is in use.
  for (const auto& n : list_dir(dir))
    if (n.starts_with(tmp_prefix) && n.ends_with(".tmp")) ::unlink(path_join(dir, n).c_str());
  std::string tmp = path_join(dir, tmp_prefix + std::to_string(::getpid()) + ".tmp");
  int tfd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (tfd < 0) throw_errno("cannot create", tmp);
  try {
    FdCloser tcloser(tfd);
    Writer w(tfd, tmp);
    bool first = true;
    auto meta_for = [&](uint32_t uid, const MessageFlags& flags, bool old, uint64_t len) {
      MboxMetadata meta;
      meta.first = first;
      meta.uidvalidity = uv;
      meta.uid_last = uid_last;
      meta.keywords = keywords;
      meta.uid = uid;
      meta.flags = flags;
      meta.old = old;
      meta.content_length = len;
      first = false;
      return render_mbox_metadata(meta);
    };
    for (const auto& m : scan.mails) {
      if (expunged.count(m.uid)) continue;
      std::string_view body = data.substr(m.body_offset, m.body_end - m.body_offset);
      w.put(m.from_line);
      w.put("\n");
      w.put(header_without_end(m));
      w.put(meta_for(m.uid, m.flags, m.old, body.size()));
      w.put("\n");
      w.put(body);
      w.put("\n");
    }
    for (size_t i = 0; i < changes.saves.size(); ++i) {
      const auto& s = changes.saves[i];
      MessageFlags f = s.flags;
      f.system &= kFlagsStorable;
      w.put(render_saved(s, meta_for(save_uids[i], f, false, s.body.size())));
    }
    if (first && uid_last > 0) {
      // Nothing left: a pseudo message keeps UIDVALIDITY and the last UID
      // so UIDs are never given out twice.
      w.put(render_mbox_pseudo(uv, uid_last, keywords, std::time(nullptr)));
      w.put("\n");
    }
    w.flush();
    if (fsync_ && ::fsync(tfd) < 0) throw_errno("cannot fsync", tmp);
    // The keys of the mails this rewrite drops go to disk before the new
    // file takes the old one's place (see reconcile()).
    if (!expunge_keys.empty())
      write_file_atomic(expunge_keys_path(), encode_mbox_expunge_keys(uv, expunge_keys));
    ::fchmod(tfd, st.st_mode & 07777);
    if (::fchown(tfd, st.st_uid, st.st_gid) < 0) {
      // Not permitted for ordinary users; the file stays theirs.
    }
    if (::rename(tmp.c_str(), paths_.file.c_str()) < 0)
      throw_errno("cannot rename over", paths_.file);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  if (fsync_) fsync_dir(dir);

  // Index the file as written (still under the locks: nobody changed it).
  int nfd = ::open(paths_.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (nfd < 0) throw_errno("cannot open mbox", paths_.file);
  FdCloser ncloser(nfd);
  struct stat nst;
  if (::fstat(nfd, &nst) < 0) throw_errno("cannot stat", paths_.file);
  Mapping nmap(nfd, static_cast<size_t>(nst.st_size), paths_.file);
  scan_ = parse_mbox(nmap.view());
  scan_stamp_ = stamp_of(nst);
  reconcile(scan_, scan_stamp_, save_dates, expunge_keys);
  ::unlink(expunge_keys_path().c_str());  // the index has them now
  return save_uids;
}

const std::vector<MessageRecord>& MboxMailbox::messages() {
  if (!messages_valid_) {
    messages_ = index_->records();
    // Status: O marks a message as no longer \Recent (doveadm never clears it).
    for (auto& m : messages_)
      if (m.locator != "O") m.flags.system |= kFlagRecent;
    messages_valid_ = true;
  }
  return messages_;
}

MailboxStatus MboxMailbox::status() {
  return status_from_index(index_->header(), index_->counters());
}

std::vector<MessageRecord> MboxMailbox::changed_since(uint64_t modseq) {
  auto out = index_->changed_since(modseq);
  for (auto& m : out)
    if (m.locator != "O") m.flags.system |= kFlagRecent;
  return out;
}

std::vector<ExpungeRecord> MboxMailbox::expunged_since(uint64_t modseq) {
  return index_->expunges_since(modseq);
}

std::vector<std::string> MboxMailbox::keywords() {
  return index_->keywords();
}

std::unique_ptr<std::istream> MboxMailbox::open_message(uint32_t uid) {
  if (!index_->find(uid))
    throw Error(kExitNotFound,
                "message UID " + std::to_string(uid) + " not found in mailbox " + name_);
  for (int attempt = 0; attempt < 5; ++attempt) {
    int fd = ::open(paths_.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_errno("cannot open mbox", paths_.file);
    struct stat st;
    if (::fstat(fd, &st) < 0) {
      ::close(fd);
      throw_errno("cannot stat", paths_.file);
    }
    if (stamp_of(st) != scan_stamp_) {
      // Offsets are only known for the file as last scanned.
      ::close(fd);
      scan_file();
      if (!index_->find(uid))
        throw Error(kExitNotFound,
                    "message UID " + std::to_string(uid) + " was expunged from " + name_);
      continue;
    }
    if (compression_ != Compression::kNone) {
      // Bodies are read from the decompressed copy the scan parsed.
      ::close(fd);
      std::string copy = path_join(paths_.index_dir, "roost-uncompressed.mbox");
      fd = ::open(copy.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw_errno("cannot open", copy);
    }
    for (const auto& m : scan_.mails) {
      if (m.uid != uid) continue;
      return make_mbox_message_stream(m.clean_header, fd, m.body_offset,
                                      m.body_end - m.body_offset);
    }
    ::close(fd);
    throw Error(kExitNotFound,
                "message UID " + std::to_string(uid) + " not found in " + paths_.file);
  }
  throw Error(kExitTempFail, "mbox file " + paths_.file + " keeps changing; try again");
}

bool MboxMailbox::update(const MailboxUpdate& change) {
  if (change.uidvalidity != 0) return false;
  sync();
  IndexHeader h = index_->header();
  if (!change.guid.empty()) h.mailbox_guid = change.guid;
  h.uidnext = std::max(h.uidnext, change.min_uidnext);
  if (!(h == index_->header())) {
    auto itx = index_->begin();
    itx.set_header(h);
    itx.commit();
  }
  return true;
}

void MboxMailbox::force_resync() {
  MailIndex::remove_files(paths_.index_dir);
  index_ = MailIndex::open(paths_.index_dir, {.fsync = true, .recent_rule = mbox_recent});
  scan_file();
}

}  // namespace roost
