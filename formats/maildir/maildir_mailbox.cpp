#include "formats/maildir/maildir_mailbox.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <unordered_set>

#include "formats/index/dovecot_index_header.hpp"
#include "formats/index/index_status.hpp"
#include "formats/list/uidvalidity_file.hpp"
#include "formats/maildir/maildir_filename.hpp"
#include "formats/mime/header.hpp"
#include "formats/model/message_file.hpp"
#include "lib/compress/decompress.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

constexpr const char* kUidListName = "dovecot-uidlist";
constexpr const char* kKeywordsName = "dovecot-keywords";

int64_t mtime_ns(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
}

void warn(const std::string& msg) { std::cerr << "roost: warning: " << msg << "\n"; }

// Dovecot's Maildir marks as \Recent what it finds in new/; doveadm never
// moves files to cur/ nor clears \Recent, so what a save put into cur/ (it
// had flags) is not recent and what sits in new/ stays recent.
bool maildir_recent(const MessageRecord& m, uint32_t first_recent_uid) {
  return m.uid >= first_recent_uid && m.locator.compare(0, 4, "new/") == 0;
}

// Sizes of a mail file measured from its (decompressed) contents.
MessageSizes measure_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open message file", path);
  auto in = open_fd_decompressing(fd, "message file " + path);
  return measure_message(*in);
}

void append_to_file(const std::string& path, const std::string& data, bool fsync) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open for appending", path);
  std::string_view rest(data);
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw_errno("cannot append to", path, e);
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (fsync && ::fdatasync(fd) < 0) {
    int e = errno;
    ::close(fd);
    throw_errno("cannot fsync", path, e);
  }
  ::close(fd);
}

bool same_keywords(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& k : a)
    if (std::none_of(b.begin(), b.end(), [&](const std::string& x) { return iequals(x, k); }))
      return false;
  return true;
}

// Reads a directory's entries; a missing directory is empty, other errors
// name the path.
std::vector<std::string> read_dir_entries(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) < 0) {
    if (errno == ENOENT) return {};
    throw_errno("cannot stat", dir);
  }
  if (::access(dir.c_str(), R_OK | X_OK) < 0) throw_errno("cannot read directory", dir);
  return list_dir(dir);
}

}  // namespace

MaildirMailbox::MaildirMailbox(std::string name, MaildirPaths paths, bool fsync,
                               SaveCompression save_compression)
    : name_(std::move(name)),
      paths_(std::move(paths)),
      fsync_(fsync),
      save_compression_(std::move(save_compression)) {
  if (paths_.index_dir.empty()) {
    char tmpl[] = "/tmp/roost-memindex-XXXXXX";
    if (!::mkdtemp(tmpl)) throw_errno("cannot create a temporary index directory", "/tmp");
    memory_index_dir_ = tmpl;
  }
  open_index();
  // Opening is cheap: the directory is checked now, synced on first read.
  // A save or flag change syncs under the uidlist lock anyway, so `roost
  // save` scans the Maildir once, not twice.
  if (!is_dir(path_join(paths_.mail_dir, "cur")))
    throw Error(kExitNotFound, "mailbox " + name_ + " doesn't exist (no " +
                                  path_join(paths_.mail_dir, "cur") + ")");
}

void MaildirMailbox::ensure_synced() {
  if (!synced_) sync();
}

void MaildirMailbox::ensure_records() {
  ensure_synced();
  load_records();
}

void MaildirMailbox::load_records() {
  if (index_->loaded()) return;
  try {
    index_->load();
  } catch (const Error& e) {
    if (e.exit_code() != kExitDataErr) throw;
    warn(std::string(e.what()) + "; rebuilding the index from the mail files");
    force_resync();
  }
}

MaildirMailbox::~MaildirMailbox() {
  if (header_cache_ && index_) {
    std::vector<uint32_t> live;
    for (const auto& m : index_->records()) live.push_back(m.uid);
    header_cache_->flush(live);
  }
  index_.reset();
  if (!memory_index_dir_.empty()) {
    try {
      remove_tree(memory_index_dir_);
    } catch (...) {
    }
  }
}

void MaildirMailbox::open_index() {
  std::string dir = memory_index_dir_.empty() ? paths_.index_dir : memory_index_dir_;
  make_dirs(dir);
  MailIndex::Options opt;
  opt.fsync = fsync_ && memory_index_dir_.empty();
  opt.recent_rule = maildir_recent;
  opt.mark_recent = true;
  // status() needs the summary only; ensure_records() loads the rest.
  opt.lazy = true;
  try {
    index_ = MailIndex::open(dir, opt);
  } catch (const Error& e) {
    if (e.exit_code() != kExitDataErr) throw;
    // The index is only a cache: rebuild it from the files and the uidlist.
    warn(std::string(e.what()) + "; rebuilding the index from the mail files");
    MailIndex::remove_files(dir);
    index_ = MailIndex::open(dir, opt);
  }
}

std::string MaildirMailbox::uidlist_path() const {
  return path_join(paths_.control_dir, kUidListName);
}
std::string MaildirMailbox::keywords_path() const {
  return path_join(paths_.control_dir, kKeywordsName);
}

std::string MaildirMailbox::sync_stamp(bool& stable) const {
  stable = true;
  int64_t now_ns = int64_t{std::time(nullptr)} * 1000000000;
  std::string out;
  auto add = [&](const std::string& path, bool with_inode) {
    struct stat st;
    if (::stat(path.c_str(), &st) < 0) {
      if (errno != ENOENT) throw_errno("cannot stat", path);
      out += "-;";
      return;
    }
    int64_t m = mtime_ns(st);
    // Changes within the same clock tick as the mtime we record could go
    // unnoticed: don't trust a stamp that is this fresh.
    if (now_ns - m < 2000000000LL) stable = false;
    out += std::to_string(m);
    if (with_inode)
      out += "/" + std::to_string(st.st_ino) + "/" + std::to_string(st.st_size);
    out += ";";
  };
  add(path_join(paths_.mail_dir, "new"), false);
  add(path_join(paths_.mail_dir, "cur"), false);
  add(uidlist_path(), true);
  add(keywords_path(), true);
  return out;
}

void MaildirMailbox::create_uidlist(const MaildirPaths& paths, const Guid128& guid, bool fsync) {
  make_dirs(paths.control_dir);
  std::string path = path_join(paths.control_dir, kUidListName);
  DotLock lock = DotLock::acquire(path);
  if (path_exists(path)) return;
  UidList list;
  list.uidvalidity = allocate_uidvalidity(paths.root);
  list.next_uid = 1;
  list.guid = (guid.empty() ? Guid128::generate() : guid).hex();
  lock.write_content(serialize_uidlist(list));
  lock.commit_replace(fsync);
}

void MaildirMailbox::begin_session(Session& s) {
  load_records();  // before the lock: rebuilding a corrupt index locks too
  make_dirs(paths_.control_dir);
  s.lock = DotLock::acquire(uidlist_path());
  index_->refresh();
  const IndexHeader& ih = index_->header();
  auto data = read_file_if_exists(uidlist_path());
  s.file_exists = data.has_value();
  bool keep_index_uids = false;
  if (data) {
    UidListParseResult res = parse_uidlist(*data);
    s.list = std::move(res.list);
    if (!res.error.empty()) {
      warn(uidlist_path() + " is corrupt (" + res.error + "); rebuilding it, keeping the UIDs of " +
           std::to_string(s.list.records.size()) + " records it still lists");
      s.rewrite = true;
      keep_index_uids = true;
      if (!res.header_ok) {
        s.list.uidvalidity = 0;
        s.list.header_ext.clear();
      }
    }
    if (s.list.version != 3) s.rewrite = true;  // v1 (Courier/old Dovecot): write v3
  } else {
    s.rewrite = true;
    keep_index_uids = true;
  }
  if (s.list.uidvalidity == 0) {
    // No usable header: keep what the index knew, or start a new UID space.
    if (ih.uidvalidity != 0) {
      s.list.uidvalidity = ih.uidvalidity;
      if (s.list.guid.empty() && !ih.mailbox_guid.empty()) s.list.guid = ih.mailbox_guid.hex();
    } else {
      s.list.uidvalidity = allocate_uidvalidity(paths_.root);
      if (!s.list.records.empty()) {
        // Records without a trustworthy UIDVALIDITY can't keep their UIDs.
        s.list.records.clear();
      }
    }
  }
  if (s.list.guid.empty()) {
    // Old uidlists have no G: persist the mailbox GUID, as Dovecot does.
    s.list.guid = (ih.mailbox_guid.empty() ? Guid128::generate() : ih.mailbox_guid).hex();
    s.rewrite = true;
  }
  if (s.list.uidvalidity == ih.uidvalidity) {
    // UIDs the index has handed out are never reused, even if the uidlist
    // lost them.
    if (ih.uidnext > s.list.next_uid) {
      s.list.next_uid = ih.uidnext;
      s.rewrite = s.rewrite || s.file_exists;
    }
    if (keep_index_uids) {
      // Recover UIDs of files the uidlist lost from the index.
      std::unordered_set<std::string> listed;
      for (const auto& r : s.list.records) listed.insert(r.name);
      std::vector<UidListRecord> extra;
      for (const auto& m : index_->records()) {
        std::string base = parse_maildir_filename(basename_of(m.locator)).base;
        if (base.empty() || listed.count(base)) continue;
        UidListRecord r;
        r.uid = m.uid;
        r.name = base;
        if (m.guid != base) r.set_ext('G', m.guid);
        extra.push_back(std::move(r));
      }
      if (!extra.empty()) {
        for (auto& r : extra) s.list.records.push_back(std::move(r));
        std::sort(s.list.records.begin(), s.list.records.end(),
                  [](const UidListRecord& a, const UidListRecord& b) { return a.uid < b.uid; });
        // Two names for one UID can't both stay: keep the first.
        s.list.records.erase(
            std::unique(s.list.records.begin(), s.list.records.end(),
                        [](const UidListRecord& a, const UidListRecord& b) { return a.uid == b.uid; }),
            s.list.records.end());
      }
    }
  }
  if (!s.list.records.empty() && s.list.records.back().uid >= s.list.next_uid)
    s.list.next_uid = s.list.records.back().uid + 1;
  s.keywords = MaildirKeywords::parse(read_file_if_exists(keywords_path()).value_or(""));
}

void MaildirMailbox::scan(Session& s) {
  s.files.clear();
  // Sized once: a save in a big mailbox rescans it, and rehashing thousands
  // of names was a visible part of that.
  s.files.reserve(s.list.records.size() + 64);
  for (const char* sub : {"new", "cur"}) {
    std::string dir = path_join(paths_.mail_dir, sub);
    for (auto& name : read_dir_entries(dir)) {
      if (name.empty() || name[0] == '.') continue;
      std::string base = parse_maildir_filename(name).base;
      if (!valid_maildir_base_name(base)) continue;
      // The same base in new/ and cur/ (interrupted move): cur/ wins.
      s.files[base] = std::string(sub) + "/" + name;
    }
  }
}

MessageFlags MaildirMailbox::flags_from_name(const Session& s, const std::string& file_name,
                                             const MessageRecord* old) const {
  MaildirFileName fn = parse_maildir_filename(file_name);
  MaildirInfoFlags info = parse_maildir_info(fn.info);
  MessageFlags flags;
  flags.system = info.system;
  for (int slot : info.keyword_slots)
    if (!s.keywords.slots[slot].empty()) flags.add_keyword(s.keywords.slots[slot]);
  // Keywords beyond the 26 letters live only in the index.
  if (old)
    for (const auto& kw : old->flags.keywords)
      if (!s.keywords.find(kw)) flags.add_keyword(kw);
  return flags;
}

MessageRecord MaildirMailbox::record_from_file(const Session& s, const UidListRecord& u,
                                               const std::string& locator,
                                               const MessageRecord* old) const {
  MessageRecord m;
  if (old) m = *old;
  m.uid = u.uid;
  m.locator = locator;
  std::string file_name = basename_of(locator);
  m.flags = flags_from_name(s, file_name, old);
  const std::string* g = u.find_ext('G');
  m.guid = g && !g->empty() ? *g : u.name;
  if (const std::string* p = u.find_ext('P')) m.pop3_uidl = *p;
  if (const std::string* o = u.find_ext('O')) m.pop3_order = parse_u32(*o).value_or(0);
  if (old) return m;
  std::string path = path_join(paths_.mail_dir, locator);
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) throw_errno("cannot stat message file", path);
  m.received_date = st.st_mtim.tv_sec;
  m.save_date = st.st_ctim.tv_sec;
  std::optional<uint64_t> psize = maildir_size_extra(u.name, 'S');
  std::optional<uint64_t> vsize = maildir_size_extra(u.name, 'W');
  if (!psize)
    if (const std::string* e = u.find_ext('S')) psize = parse_u64(*e);
  if (!vsize)
    if (const std::string* e = u.find_ext('W')) vsize = parse_u64(*e);
  // A file without both sizes in its name is measured: stat() would give
  // the compressed size of a compressed one.
  if (psize && vsize) {
    m.physical_size = *psize;
    m.virtual_size = *vsize;
  } else {
    MessageSizes measured = measure_file(path);
    m.physical_size = psize.value_or(measured.physical);
    m.virtual_size = vsize.value_or(measured.virtual_size);
  }
  return m;
}

namespace {
// "<file>.tmp.<pid>.<n>" (write_file_atomic), "<file>.lock.tmp.<pid>.<n>"
// (DotLock acquisition) and "<file>.lock.tmp" (DotLock content): Roost's
// temp names, never Dovecot's.
bool is_roost_temp_name(std::string_view name) {
  if (name.size() > 9 && name.substr(name.size() - 9) == ".lock.tmp") return true;
  size_t at = name.rfind(".tmp.");
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view rest = name.substr(at + 5);
  size_t dot = rest.find('.');
  return dot != std::string_view::npos && parse_u64(rest.substr(0, dot)) &&
         parse_u64(rest.substr(dot + 1));
}

void unlink_if_older(const std::string& path, time_t max_age, time_t now) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > max_age)
    ::unlink(path.c_str());
}
}  // namespace

void MaildirMailbox::sweep_leftovers() {
  const time_t now = std::time(nullptr);
  std::string tmp = path_join(paths_.mail_dir, "tmp");
  for (const auto& name : list_dir(tmp)) unlink_if_older(path_join(tmp, name), 36 * 3600, now);
  for (const std::string& dir : {paths_.control_dir, paths_.index_dir}) {
    if (dir.empty()) continue;
    for (const auto& name : list_dir(dir))
      if (is_roost_temp_name(name)) unlink_if_older(path_join(dir, name), 3600, now);
  }
}

namespace {
// A save with a 32-hex-digit GUID (from dbox, mbox) names its file
// "<guid>,S=..,W=.." and records the GUID in the uidlist's G field. A crash
// between the rename into new/ or cur/ and the uidlist write leaves the file
// without its line: give the GUID back when the file is found, so a resumed
// dsync or import recognises the mail instead of copying it again.
std::optional<std::string> guid_of_guid_named(const std::string& base) {
  size_t end = base.find(',');
  if (end == std::string::npos) end = base.size();
  if (end != 32) return std::nullopt;
  for (size_t i = 0; i < end; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(base[i]))) return std::nullopt;
  if (end == base.size()) return std::nullopt;  // the name already is the GUID
  return base.substr(0, end);
}
}  // namespace

void MaildirMailbox::sync_locked(Session& s, MailIndex::Transaction& itx) {
  scan(s);
  sweep_leftovers();
  // Records whose file is gone are dropped (their UIDs stay used: N keeps them).
  std::unordered_set<std::string_view> listed;
  listed.reserve(s.list.records.size());
  size_t before = s.list.records.size();
  std::erase_if(s.list.records, [&](const UidListRecord& r) { return !s.files.count(r.name); });
  if (s.list.records.size() != before) s.rewrite = true;
  for (const auto& r : s.list.records) listed.insert(r.name);
  // New files get the next UIDs, in name order.
  // Dovecot, indexing a Maildir whose uidlist it didn't write an index for,
  // starts \Recent at the highest UID the uidlist already lists (checked
  // against 2.3.19); mail that gets its UID now is recent too.
  uint32_t first_recent_guess = s.list.next_uid;
  if (!s.list.records.empty()) first_recent_guess = s.list.records.back().uid;
  std::vector<std::string> fresh;
  for (const auto& [base, loc] : s.files)
    if (!listed.count(base)) fresh.push_back(base);
  std::sort(fresh.begin(), fresh.end());
  for (const auto& base : fresh) {
    UidListRecord r;
    r.uid = s.list.next_uid++;
    r.name = base;
    if (auto g = guid_of_guid_named(base)) r.set_ext('G', *g);
    s.append += serialize_uidlist_record(r);
    s.list.records.push_back(std::move(r));
  }

  const IndexHeader& ih = index_->header();
  bool reset = ih.uidvalidity != s.list.uidvalidity;
  IndexHeader nh = ih;
  nh.uidvalidity = s.list.uidvalidity;
  nh.uidnext = s.list.next_uid;
  if (auto g = Guid128::parse(s.list.guid)) nh.mailbox_guid = *g;
  if (reset) {
    if (ih.uidvalidity != 0 && !uidvalidity_change_expected_)
      warn("UIDVALIDITY of " + paths_.mail_dir + " changed from " +
           std::to_string(ih.uidvalidity) + " to " + std::to_string(s.list.uidvalidity) +
           "; rebuilding the index");
    // \Recent is index state Maildir files don't carry. Take Dovecot's
    // when its index of this mailbox is there. With only Dovecot's log (it
    // writes dovecot.index late) Dovecot never cleared \Recent as far as
    // Roost can tell, so everything counts. Without any Dovecot index, do
    // what Dovecot does then (first_recent_guess).
    auto dovecot = read_dovecot_index_header(paths_.index_dir);
    if (dovecot && dovecot->uid_validity == nh.uidvalidity && dovecot->first_recent_uid != 0)
      nh.first_recent_uid = dovecot->first_recent_uid;
    else if (path_exists(path_join(paths_.index_dir, "dovecot.index.log")))
      nh.first_recent_uid = 1;
    else
      nh.first_recent_uid = first_recent_guess;
    s.first_recent_uid = nh.first_recent_uid;
    itx.reset(nh);
  } else if (nh.uidnext != ih.uidnext || nh.mailbox_guid != ih.mailbox_guid) {
    itx.set_header(nh);
  }
  for (size_t i = 0; i < s.keywords.slots.size(); ++i)
    if (!s.keywords.slots[i].empty() &&
        std::find(index_->keywords().begin(), index_->keywords().end(), s.keywords.slots[i]) ==
            index_->keywords().end())
      itx.add_keyword(s.keywords.slots[i]);

  std::unordered_set<uint32_t> present;
  for (const auto& u : s.list.records) {
    present.insert(u.uid);
    const std::string& loc = s.files.at(u.name);
    const MessageRecord* old = reset ? nullptr : index_->find(u.uid);
    // Same name, same flags, same GUID: nothing to do. The GUID is checked
    // too because another writer may set a G field on an existing line.
    const std::string* g = u.find_ext('G');
    if (old && old->locator == loc && old->guid == (g && !g->empty() ? *g : u.name)) continue;
    if (old && parse_maildir_filename(basename_of(old->locator)).base != u.name) old = nullptr;
    MessageRecord m = record_from_file(s, u, loc, old);
    if (!old) {
      itx.append(m);
    } else if (m.flags.system != old->flags.system ||
               !same_keywords(m.flags.keywords, old->flags.keywords) || m.guid != old->guid) {
      itx.update(m);
    } else {
      // Only moved (new/ -> cur/) or info letters we don't map changed.
      itx.update(m);
    }
  }
  if (!reset)
    for (const auto& m : index_->records())
      if (!present.count(m.uid)) itx.expunge(m.uid);
}

void MaildirMailbox::finish_session(Session& s, MailIndex::Transaction& itx) {
  write_keywords(s);
  // The uidlist first: the files and it are the authority, the index follows.
  if (s.rewrite || !s.file_exists) {
    write_file_atomic(uidlist_path(), serialize_uidlist(s.list), 0600);
  } else if (!s.append.empty()) {
    append_to_file(uidlist_path(), s.append, fsync_);
  }
  s.rewrite = false;
  s.file_exists = true;
  s.append.clear();
  s.keywords_changed = false;
  bool stable = false;
  std::string stamp = sync_stamp(stable);
  IndexHeader h = index_->header();
  h.uidnext = h.uidvalidity == s.list.uidvalidity ? std::max(h.uidnext, s.list.next_uid)
                                                  : s.list.next_uid;
  h.uidvalidity = s.list.uidvalidity;
  if (auto g = Guid128::parse(s.list.guid)) h.mailbox_guid = *g;
  if (s.first_recent_uid) h.first_recent_uid = s.first_recent_uid;
  // An unstable stamp is stored empty: the next open rescans.
  h.sync_stamp = stable ? stamp : std::string();
  if (!itx.empty() || !(h == index_->header())) itx.set_header(h);
  itx.commit();
  s.lock.release();
}

void MaildirMailbox::write_keywords(Session& s) {
  if (!s.keywords_changed) return;
  DotLock klock = DotLock::acquire(keywords_path());
  klock.write_content(s.keywords.serialize());
  klock.commit_replace(fsync_);
  s.keywords_changed = false;
}

void MaildirMailbox::full_sync() {
  Session s;
  begin_session(s);
  MailIndex::Transaction itx = index_->begin();
  sync_locked(s, itx);
  finish_session(s, itx);
}

void MaildirMailbox::sync() {
  synced_ = true;
  if (!is_dir(path_join(paths_.mail_dir, "cur")))
    throw Error(kExitNotFound, "mailbox " + name_ + " doesn't exist (no " +
                                  path_join(paths_.mail_dir, "cur") + ")");
  index_->refresh();
  bool stable = false;
  std::string stamp = sync_stamp(stable);
  const IndexHeader& h = index_->header();
  if (!h.sync_stamp.empty() && h.sync_stamp == stamp && h.uidvalidity != 0) return;
  full_sync();
}

bool MaildirMailbox::update(const MailboxUpdate& change) {
  Session s;
  begin_session(s);
  if (!change.guid.empty()) s.list.guid = change.guid.hex();
  if (change.uidvalidity != 0 && change.uidvalidity != s.list.uidvalidity) {
    // A new UID space: the records keep their UIDs (dsync renumbers them),
    // the index is rebuilt by sync_locked because the UIDVALIDITY differs.
    s.list.uidvalidity = change.uidvalidity;
    // Cached headers are keyed by UID: a UID space that may come back to
    // an earlier UIDVALIDITY must not find them again.
    header_cache_.reset();
    if (!paths_.index_dir.empty()) ::unlink(path_join(paths_.index_dir, "roost.cache").c_str());
    uint32_t highest = 0;
    for (const auto& r : s.list.records) highest = std::max(highest, r.uid);
    s.list.next_uid = std::max(change.min_uidnext, highest + 1);
  } else if (change.min_uidnext > s.list.next_uid) {
    s.list.next_uid = change.min_uidnext;
  }
  s.rewrite = true;
  MailIndex::Transaction itx = index_->begin();
  uidvalidity_change_expected_ = true;
  try {
    sync_locked(s, itx);
  } catch (...) {
    uidvalidity_change_expected_ = false;
    throw;
  }
  uidvalidity_change_expected_ = false;
  finish_session(s, itx);
  return true;
}

void MaildirMailbox::force_resync() {
  std::string dir = index_->dir();
  index_.reset();
  MailIndex::remove_files(dir);
  open_index();
  full_sync();
}

const std::vector<MessageRecord>& MaildirMailbox::messages() {
  ensure_records();
  // The index presents \Recent by maildir_recent: no copy needed.
  return index_->records();
}

MailboxStatus MaildirMailbox::status() {
  // sync() compares the directories' mtimes with the index's stamp and
  // rescans only when they changed; the counters answer without records.
  ensure_synced();
  return status_from_index(index_->header(), index_->counters());
}

std::vector<MessageRecord> MaildirMailbox::changed_since(uint64_t modseq) {
  ensure_records();
  std::vector<MessageRecord> out;
  for (const auto& m : messages())
    if (m.modseq > modseq) out.push_back(m);
  return out;
}

std::vector<ExpungeRecord> MaildirMailbox::expunged_since(uint64_t modseq) {
  ensure_records();
  return index_->expunges_since(modseq);
}

std::vector<std::string> MaildirMailbox::keywords() {
  ensure_records();
  return index_->keywords();
}

std::optional<std::string> MaildirMailbox::locate(const std::string& base) const {
  for (const char* sub : {"cur", "new"}) {
    for (const auto& name : read_dir_entries(path_join(paths_.mail_dir, sub)))
      if (parse_maildir_filename(name).base == base) return std::string(sub) + "/" + name;
  }
  return std::nullopt;
}

std::string MaildirMailbox::read_header(uint32_t uid) {
  ensure_records();
  if (!header_cache_)
    header_cache_ = std::make_unique<HeaderCache>(memory_index_dir_.empty() ? paths_.index_dir : "",
                                                  index_->header().uidvalidity);
  if (auto cached = header_cache_->find(uid)) return std::string(*cached);
  auto in = open_message(uid);
  std::string header = read_header_text(*in);
  header_cache_->add(uid, header);
  return header;
}

std::unique_ptr<std::istream> MaildirMailbox::open_message(uint32_t uid) {
  ensure_records();
  const MessageRecord* m = index_->find(uid);
  if (!m) throw Error(kExitNotFound, "message UID " + std::to_string(uid) + " doesn't exist in " + name_);
  std::string path = path_join(paths_.mail_dir, m->locator);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // Renamed (flag change by someone else) since the index saw it.
    if (auto loc = locate(parse_maildir_filename(basename_of(m->locator)).base)) {
      path = path_join(paths_.mail_dir, *loc);
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
  }
  if (fd < 0) {
    if (errno == ENOENT)
      throw Error(kExitNotFound, "message UID " + std::to_string(uid) + " of " + name_ +
                                    " was expunged (" + path + " is gone)");
    throw_errno("cannot open message file", path);
  }
  // Compressed (zlib_save) and plain mails sit side by side: the magic
  // bytes decide.
  return open_fd_decompressing(fd, "message file " + path);
}

}  // namespace roost
