#include "formats/dbox/sdbox_mailbox.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <iostream>
#include <map>

#include "formats/dbox/dbox_file_reader.hpp"
#include "formats/dbox/dbox_paths.hpp"
#include "formats/dbox/sdbox_dovecot_import.hpp"
#include "formats/dbox/sdbox_dovecot_log.hpp"
#include "formats/dbox/sdbox_sync_stamp.hpp"
#include "formats/index/index_status.hpp"
#include "formats/list/uidvalidity_file.hpp"
#include "formats/mime/header.hpp"
#include "lib/compress/decompress.hpp"
#include "lib/error.hpp"
#include "lib/fault.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

constexpr char kPrimary = 'p';
constexpr char kAlt = 'a';
// Dovecot deletes temp files of crashed saves after 36 hours.
constexpr time_t kTempMaxAge = 36 * 3600;

void warn(const std::string& msg) {
  std::cerr << "roost: warning: " << msg << "\n";
}

// "u.<uid>" -> uid; 0 for anything else (Dovecot ignores those too).
uint32_t uid_of_file_name(const std::string& name) {
  if (name.size() < 3 || name.compare(0, 2, "u.") != 0) return 0;
  if (name[2] == '0' || name[2] == '+') return 0;
  return parse_u32(std::string_view(name).substr(2)).value_or(0);
}

// u.N files of a directory: uid -> file name. Sweeps old temp files.
std::map<uint32_t, std::string> scan_dir(const std::string& dir) {
  std::map<uint32_t, std::string> out;
  const time_t now = std::time(nullptr);
  for (const auto& name : list_dir(dir)) {
    if (uint32_t uid = uid_of_file_name(name)) {
      out[uid] = name;
    } else if (name.compare(0, 6, kDboxTempPrefix) == 0) {
      std::string path = path_join(dir, name);
      struct stat st;
      if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && now - st.st_ctime > kTempMaxAge)
        ::unlink(path.c_str());
    }
  }
  return out;
}

std::string file_identity(const std::string& path, bool& stable) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) {
    if (errno != ENOENT) throw_errno("cannot stat", path);
    return "-";
  }
  int64_t m = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  // Changes in the same clock tick as the mtime could go unnoticed.
  if (int64_t{std::time(nullptr)} * 1000000000 - m < 2000000000LL) stable = false;
  return std::to_string(m) + "/" + std::to_string(st.st_ino) + "/" + std::to_string(st.st_size);
}

uint64_t stream_virtual_size(std::istream& in, uint64_t& physical) {
  char buf[65536];
  uint64_t size = 0, bare = 0;
  char prev = 0;
  while (in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    for (std::streamsize i = 0; i < n; ++i) {
      if (buf[i] == '\n' && prev != '\r') ++bare;
      prev = buf[i];
    }
    size += static_cast<uint64_t>(n);
  }
  physical = size;
  return size + bare;
}

}  // namespace

SdboxMailbox::SdboxMailbox(std::string name, SdboxPaths paths, bool fsync,
                           SaveCompression save_compression)
    : name_(std::move(name)),
      paths_(std::move(paths)),
      fsync_(fsync),
      save_compression_(std::move(save_compression)) {
  if (!is_dir(paths_.mail_dir))
    throw Error(kExitNotFound, "mailbox " + name_ + " doesn't exist (no " + paths_.mail_dir + ")");
  if (paths_.index_dir.empty()) {
    char tmpl[] = "/tmp/roost-memindex-XXXXXX";
    if (!::mkdtemp(tmpl)) throw_errno("cannot create a temporary index directory", "/tmp");
    memory_index_dir_ = tmpl;
  }
  open_index();
}

SdboxMailbox::~SdboxMailbox() {
  if (header_cache_ && index_) {
    std::vector<uint32_t> live;
    for (const auto& m : index_->records()) live.push_back(m.uid);
    try {
      header_cache_->flush(live);
    } catch (...) {
    }
  }
  index_.reset();
  if (!memory_index_dir_.empty()) {
    try {
      remove_tree(memory_index_dir_);
    } catch (...) {
    }
  }
}

std::string SdboxMailbox::index_dir() const {
  return memory_index_dir_.empty() ? paths_.index_dir : memory_index_dir_;
}

// What messages() shows as \Recent, for the index's STATUS counters.
static bool sdbox_recent(const MessageRecord& m, uint32_t first_recent_uid) {
  return first_recent_uid && m.uid >= first_recent_uid;
}

void SdboxMailbox::open_index() {
  std::string dir = index_dir();
  make_dirs(dir);
  MailIndex::Options opt;
  opt.fsync = fsync_ && memory_index_dir_.empty();
  opt.recent_rule = sdbox_recent;
  try {
    index_ = MailIndex::open(dir, opt);
  } catch (const Error& e) {
    if (e.exit_code() != kExitDataErr) throw;
    // Only flags would be lost: the u.N files hold everything else.
    warn(std::string(e.what()) + "; rebuilding the index from the u.N files");
    MailIndex::remove_files(dir);
    index_ = MailIndex::open(dir, opt);
  }
}

DboxDirLock SdboxMailbox::lock() const {
  return DboxDirLock::acquire(paths_.mail_dir);
}

void SdboxMailbox::create_index(const SdboxPaths& paths, const Guid128& guid, bool fsync) {
  if (paths.index_dir.empty()) return;  // in memory: made on open
  make_dirs(paths.index_dir);
  MailIndex::Options opt;
  opt.fsync = fsync;
  auto index = MailIndex::open(paths.index_dir, opt);
  if (index->header().uidvalidity != 0) return;
  IndexHeader h = index->header();
  h.uidvalidity = allocate_uidvalidity(paths.root);
  h.mailbox_guid = guid.empty() ? Guid128::generate() : guid;
  auto itx = index->begin();
  itx.set_header(h);
  itx.commit();
}

std::string SdboxMailbox::file_path(uint32_t uid, const std::string& locator) const {
  std::string name = "u." + std::to_string(uid);
  if (locator == std::string(1, kAlt) && !paths_.alt_dir.empty())
    return path_join(paths_.alt_dir, name);
  return path_join(paths_.mail_dir, name);
}

MessageRecord SdboxMailbox::record_from_file(uint32_t uid, const std::string& path,
                                             char where) const {
  auto reader = DboxFileReader::open(path);
  auto m = reader->next();
  if (!m) throw Error(kExitDataErr, path + ": the dbox file holds no message");
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) throw_errno("cannot stat", path);
  MessageRecord r;
  r.uid = uid;
  r.locator = std::string(1, where);
  r.guid = m->metadata.guid();
  r.received_date = m->metadata.received_time().value_or(st.st_mtim.tv_sec);
  // sdbox keeps no save date in the file: the file's ctime is it, as for Dovecot.
  r.save_date = m->metadata.save_time().value_or(st.st_ctim.tv_sec);
  r.physical_size = m->metadata.physical_size().value_or(m->body_size);
  if (auto v = m->metadata.virtual_size()) {
    r.virtual_size = *v;
  } else {
    uint64_t physical = 0;
    r.virtual_size = stream_virtual_size(*reader->body_stream(*m), physical);
  }
  r.pop3_uidl = m->metadata.pop3_uidl();
  r.pop3_order = m->metadata.pop3_order().value_or(0);
  return r;
}

std::string SdboxMailbox::dovecot_dir() const {
  return paths_.index_dir.empty() ? paths_.mail_dir : paths_.index_dir;
}

std::string SdboxMailbox::dovecot_identity(bool& stable) const {
  std::string id = file_identity(path_join(dovecot_dir(), "dovecot.index"), stable) + ";" +
                   file_identity(path_join(dovecot_dir(), "dovecot.index.log"), stable);
  return id == "-;-" ? std::string() : id;
}

std::string SdboxMailbox::dirs_identity(bool& stable) const {
  std::string id = file_identity(paths_.mail_dir, stable);
  if (!paths_.alt_dir.empty()) id += ";" + file_identity(paths_.alt_dir, stable);
  return id;
}

void SdboxMailbox::sync_locked(bool rebuild) {
  index_->refresh();
  // Files: primary wins over ALT when a UID is in both (an interrupted move).
  std::map<uint32_t, std::pair<std::string, char>> files;
  if (!paths_.alt_dir.empty())
    for (auto& [uid, name] : scan_dir(paths_.alt_dir))
      files[uid] = {path_join(paths_.alt_dir, name), kAlt};
  if (!is_dir(paths_.mail_dir))
    throw Error(kExitNotFound, "mailbox " + name_ + " doesn't exist (no " + paths_.mail_dir + ")");
  for (auto& [uid, name] : scan_dir(paths_.mail_dir))
    files[uid] = {path_join(paths_.mail_dir, name), kPrimary};

  const IndexHeader& ih = index_->header();
  SdboxSyncStamp old_stamp = decode_sdbox_sync_stamp(ih.sync_stamp);
  bool stable = true;
  std::string dovecot_id = dovecot_identity(stable);
  bool fresh_index = ih.uidvalidity == 0;
  std::optional<SdboxDovecotState> dovecot;
  // Nothing to import from a Dovecot log only Roost wrote (sdbox_dovecot_log.hpp).
  const bool ours = !old_stamp.written.empty() && dovecot_id == old_stamp.written;
  if (!dovecot_id.empty() && (fresh_index || rebuild || (dovecot_id != old_stamp.dovecot && !ours)))
    dovecot = load_sdbox_dovecot_state(dovecot_dir());

  MailIndex::Transaction itx = index_->begin();
  IndexHeader nh = ih;
  if (fresh_index) {
    nh.uidvalidity = dovecot && dovecot->uid_validity ? dovecot->uid_validity
                                                      : allocate_uidvalidity(paths_.root);
    nh.mailbox_guid =
        dovecot && !dovecot->mailbox_guid.empty() ? dovecot->mailbox_guid : Guid128::generate();
    nh.first_recent_uid = dovecot && dovecot->first_recent_uid ? dovecot->first_recent_uid : 1;
  } else if (dovecot && nh.mailbox_guid.empty() && !dovecot->mailbox_guid.empty()) {
    nh.mailbox_guid = dovecot->mailbox_guid;
  }
  // Dovecot rebuilt its index with a UIDVALIDITY of its own (its
  // force-resync of a mailbox Roost wrote does): IMAP clients of Dovecot see
  // that one, so Roost follows, with Dovecot's mailbox GUID and flags. The
  // UIDs are the file names, the same for both.
  const bool adopt = !fresh_index && dovecot && dovecot->uid_validity != 0 &&
                     dovecot->uid_validity != ih.uidvalidity;
  if (adopt) {
    warn("Dovecot's index of mailbox " + name_ + " has UIDVALIDITY " +
         std::to_string(dovecot->uid_validity) + " (Roost's had " + std::to_string(ih.uidvalidity) +
         "); following Dovecot's");
    nh.uidvalidity = dovecot->uid_validity;
    if (!dovecot->mailbox_guid.empty()) nh.mailbox_guid = dovecot->mailbox_guid;
    if (dovecot->first_recent_uid) nh.first_recent_uid = dovecot->first_recent_uid;
    rebuild = true;
  }
  if (dovecot && dovecot->uid_validity == nh.uidvalidity && dovecot->next_uid > nh.uidnext)
    nh.uidnext = dovecot->next_uid;
  if (!files.empty() && files.rbegin()->first >= nh.uidnext) nh.uidnext = files.rbegin()->first + 1;
  if (adopt) itx.reset(nh);
  if (dovecot)
    for (const auto& kw : dovecot->keywords)
      if (adopt || std::none_of(index_->keywords().begin(), index_->keywords().end(),
                                [&](const std::string& k) { return iequals(k, kw); }))
        itx.add_keyword(kw);

  // A Dovecot record counts when it changed after the last import (or
  // Dovecot can't say when, and Roost has never seen the message).
  auto dovecot_flags = [&](uint32_t uid, bool known) -> const MessageFlags* {
    if (!dovecot || dovecot->uid_validity != nh.uidvalidity) return nullptr;
    auto it = dovecot->records.find(uid);
    if (it == dovecot->records.end()) return nullptr;
    if (!known || fresh_index || adopt) return &it->second.flags;
    if (it->second.modseq != 0 && it->second.modseq > old_stamp.dovecot_modseq)
      return &it->second.flags;
    return nullptr;
  };

  for (const auto& [uid, file] : files) {
    const MessageRecord* old = index_->find(uid);
    if (old && adopt) {
      // After the reset: every message again, without re-reading its file.
      MessageRecord m = *old;
      m.locator = std::string(1, file.second);
      if (const MessageFlags* f = dovecot_flags(uid, true)) m.flags = *f;
      itx.append(m);
      continue;
    }
    if (old && !rebuild) {
      MessageRecord m = *old;
      bool changed = false;
      if (m.locator != std::string(1, file.second)) {
        m.locator = std::string(1, file.second);
        changed = true;
      }
      if (const MessageFlags* f = dovecot_flags(uid, true); f && !(*f == m.flags)) {
        m.flags = *f;
        changed = true;
      }
      if (changed) itx.update(m);
      continue;
    }
    MessageRecord m;
    try {
      m = record_from_file(uid, file.first, file.second);
    } catch (const Error& e) {
      if (e.exit_code() != kExitDataErr) throw;
      warn(std::string(e.what()) +
           "; skipping this message (the file is left in place: repair "
           "or remove it, then run `roost force-resync`)");
      // force-resync drops what it can't read; the file stays for repair.
      if (old) itx.expunge(uid);
      continue;
    }
    if (old) m.flags = old->flags;  // force-resync keeps what the index knew
    if (const MessageFlags* f = dovecot_flags(uid, old != nullptr)) m.flags = *f;
    if (old && rebuild && m.guid == old->guid && m.flags == old->flags && m.locator == old->locator)
      continue;
    itx.append(m);
  }
  if (!adopt)
    for (const auto& m : index_->records())
      if (!files.count(m.uid)) itx.expunge(m.uid);

  SdboxSyncStamp stamp = old_stamp;
  stamp.dirs = dirs_identity(stable);
  if (!stable) stamp.dirs.clear();
  if (dovecot) {
    stamp.dovecot = dovecot_id;
    stamp.dovecot_modseq = dovecot->highest_modseq;
  } else if (dovecot_id.empty()) {
    stamp.dovecot.clear();
  }
  nh.sync_stamp = encode_sdbox_sync_stamp(stamp);
  if (!itx.empty() || !(nh == ih)) itx.set_header(nh);
  itx.commit();
  invalidate();
}

DovecotLogLock SdboxMailbox::lock_dovecot_log() const {
  if (!memory_index_dir_.empty()) return {};
  return DovecotLogLock::acquire(path_join(dovecot_dir(), "dovecot.index.log"));
}

void SdboxMailbox::export_to_dovecot(const DovecotLogTransaction& delta, DovecotLogLock* held) {
  if (!memory_index_dir_.empty()) return;  // INDEX=MEMORY: Dovecot keeps none either
  try {
    write_dovecot_log(delta, held);
  } catch (const Error& e) {
    warn(std::string(e.what()) + "; Dovecot will need `doveadm force-resync` to see the change");
  }
}

void SdboxMailbox::write_dovecot_log(const DovecotLogTransaction& delta, DovecotLogLock* held) {
  const std::string dir = dovecot_dir();
  const std::string log = path_join(dir, "dovecot.index.log");
  const IndexHeader& h = index_->header();
  SdboxSyncStamp stamp = decode_sdbox_sync_stamp(h.sync_stamp);
  bool stable = true;
  if (!path_exists(log)) {
    // A snapshot without its log is Dovecot's business (it rebuilds).
    if (path_exists(path_join(dir, "dovecot.index"))) return;
    // Everything Roost's index knows, as one transaction of a new log.
    DovecotLogTransaction all;
    all.set_uid_validity(h.uidvalidity);
    all.set_sdbox_mailbox_guid(h.mailbox_guid);
    for (const auto& m : index_->records()) {
      all.append(m.uid, m.flags.system & kFlagsStorable);
      for (const auto& kw : m.flags.keywords) all.update_keyword(kw, true, m.uid);
    }
    all.set_next_uid(h.uidnext);
    const int64_t now = std::time(nullptr);
    write_file_atomic(
        log,
        dovecot_log_file_header(static_cast<uint32_t>(now), static_cast<uint32_t>(now)) +
            all.finish(),
        0600);
  } else {
    if (delta.empty()) return;
    // The changes only name UIDs, flags and keyword names (no extension
    // ids), so they apply after whatever Dovecot wrote; appended under
    // Dovecot's lock on its log (the transaction's, or taken here).
    DovecotLogLock own;
    if (!held || !held->held()) {
      own = DovecotLogLock::acquire(log);
      held = &own;
    }
    if (!held->held()) return;
    const int fd = held->fd();
    std::string data = delta.finish();
    std::string_view rest(data);
    while (!rest.empty()) {
      ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno("cannot append to", log);
      rest.remove_prefix(static_cast<size_t>(n));
    }
    if (fsync_) {
      if (::fdatasync(fd) < 0) throw_errno("cannot fsync", log);
      fault_point_after_fsync();
    }
  }
  stamp.written = dovecot_identity(stable);
  IndexHeader nh = h;
  nh.sync_stamp = encode_sdbox_sync_stamp(stamp);
  auto itx = index_->begin();
  itx.set_header(nh);
  itx.commit();
}

void SdboxMailbox::ensure_synced() {
  if (!synced_) sync();
}

void SdboxMailbox::sync() {
  synced_ = true;
  if (!is_dir(paths_.mail_dir))
    throw Error(kExitNotFound, "mailbox " + name_ + " doesn't exist (no " + paths_.mail_dir + ")");
  if (index_->refresh()) invalidate();
  const IndexHeader& h = index_->header();
  SdboxSyncStamp old = decode_sdbox_sync_stamp(h.sync_stamp);
  if (h.uidvalidity != 0 && !old.dirs.empty()) {
    bool stable = true;
    if (dirs_identity(stable) == old.dirs && dovecot_identity(stable) == old.dovecot) return;
  }
  DboxDirLock l = lock();
  sync_locked(false);
}

bool SdboxMailbox::update(const MailboxUpdate& change) {
  DboxDirLock l = lock();
  DovecotLogLock dovecot_lock = lock_dovecot_log();
  synced_ = true;
  // Dovecot's pending changes are imported first, so the log Roost writes
  // below starts from everything both sides knew.
  sync_locked(false);
  const IndexHeader& ih = index_->header();
  IndexHeader nh = ih;
  DovecotLogTransaction dovecot;
  if (!change.guid.empty() && change.guid != ih.mailbox_guid) {
    nh.mailbox_guid = change.guid;
    dovecot.set_sdbox_mailbox_guid(change.guid);
  }
  const bool new_uid_space = change.uidvalidity != 0 && change.uidvalidity != ih.uidvalidity;
  if (new_uid_space) {
    // The UIDs are the file names and stay; only the numbering epoch and
    // UIDNEXT change (MailIndex lets UIDNEXT drop with a new UIDVALIDITY).
    nh.uidvalidity = change.uidvalidity;
    uint32_t highest = 0;
    for (const auto& m : index_->records()) highest = std::max(highest, m.uid);
    nh.uidnext = std::max(change.min_uidnext, highest + 1);
    // Cached headers are keyed by UID: a UID space that may come back to
    // an earlier UIDVALIDITY must not find them again.
    header_cache_.reset();
    if (memory_index_dir_.empty()) ::unlink(path_join(paths_.index_dir, "roost.cache").c_str());
  } else if (change.min_uidnext > ih.uidnext) {
    nh.uidnext = change.min_uidnext;
    dovecot.set_next_uid(nh.uidnext);
  }
  if (nh == ih) return true;
  auto itx = index_->begin();
  itx.set_header(nh);
  itx.commit();
  invalidate();
  if (!new_uid_space) {
    export_to_dovecot(dovecot, &dovecot_lock);
    return true;
  }
  // Dovecot never lets a log lower next_uid, and its clients must see the
  // new UIDVALIDITY with every message: its index starts over as a new log
  // holding Roost's whole state (what write_dovecot_log does when Dovecot
  // has no index here).
  if (memory_index_dir_.empty()) {
    const std::string dir = dovecot_dir();
    for (const char* f : {"dovecot.index", "dovecot.index.log", "dovecot.index.log.2",
                          "dovecot.index.cache", "dovecot.index.backup"})
      if (::unlink(path_join(dir, f).c_str()) < 0 && errno != ENOENT)
        throw_errno("cannot remove Dovecot's old index file", path_join(dir, f));
  }
  export_to_dovecot(DovecotLogTransaction{});
  return true;
}

void SdboxMailbox::force_resync() {
  DboxDirLock l = lock();
  synced_ = true;
  sync_locked(true);
}

const std::vector<MessageRecord>& SdboxMailbox::messages() {
  ensure_synced();
  if (!messages_valid_) {
    messages_ = index_->records();
    // doveadm never clears \Recent, so Dovecot shows every message from the
    // index's first-recent UID on as recent; Roost shows the same.
    uint32_t first_recent = index_->header().first_recent_uid;
    for (auto& m : messages_)
      if (first_recent && m.uid >= first_recent) m.flags.system |= kFlagRecent;
    messages_valid_ = true;
  }
  return messages_;
}

MailboxStatus SdboxMailbox::status() {
  ensure_synced();
  return status_from_index(index_->header(), index_->counters());
}

std::vector<MessageRecord> SdboxMailbox::changed_since(uint64_t modseq) {
  std::vector<MessageRecord> out;
  for (const auto& m : messages())
    if (m.modseq > modseq) out.push_back(m);
  return out;
}

std::vector<ExpungeRecord> SdboxMailbox::expunged_since(uint64_t modseq) {
  ensure_synced();
  return index_->expunges_since(modseq);
}

std::vector<std::string> SdboxMailbox::keywords() {
  ensure_synced();
  return index_->keywords();
}

std::string SdboxMailbox::read_header(uint32_t uid) {
  ensure_synced();
  if (!header_cache_)
    header_cache_ = std::make_unique<HeaderCache>(memory_index_dir_.empty() ? paths_.index_dir : "",
                                                  index_->header().uidvalidity);
  if (auto cached = header_cache_->find(uid)) return std::string(*cached);
  auto in = open_message(uid);
  std::string header = read_header_text(*in);
  header_cache_->add(uid, header);
  return header;
}

std::unique_ptr<std::istream> SdboxMailbox::open_message(uint32_t uid) {
  ensure_synced();
  const MessageRecord* m = index_->find(uid);
  if (!m)
    throw Error(kExitNotFound, "message UID " + std::to_string(uid) + " doesn't exist in " + name_);
  // The index may be behind a move to or from ALT: try both places.
  DboxAltPaths alt(paths_.mail_dir, paths_.alt_dir);
  std::string primary = path_join(paths_.mail_dir, "u." + std::to_string(uid));
  std::optional<std::string> path;
  if (m->locator == std::string(1, kAlt) && !paths_.alt_dir.empty()) {
    std::string a = file_path(uid, m->locator);
    path = path_exists(a) ? std::optional<std::string>(a) : alt.locate(primary);
  } else {
    path = alt.locate(primary);
  }
  if (!path)
    throw Error(kExitNotFound, "message UID " + std::to_string(uid) + " of " + name_ +
                                   " was expunged (" + primary + " is gone)");
  try {
    auto reader = DboxFileReader::open(*path);
    auto msg = reader->next();
    if (!msg) throw Error(kExitDataErr, *path + ": the dbox file holds no message");
    // A body compressed by the zlib plugin (Dovecot's or Roost's) is
    // recognized by its magic bytes, as Dovecot does.
    return decompress_if_needed(reader->body_stream(*msg), *path);
  } catch (const Error& e) {
    if (e.exit_code() != kExitDataErr) throw;
    throw Error(kExitDataErr, std::string(e.what()) + " (mailbox " + name_ + ", UID " +
                                  std::to_string(uid) +
                                  "): the file is damaged; restore it from a backup, or run "
                                  "`roost force-resync` to drop it from the index");
  }
}

}  // namespace roost
