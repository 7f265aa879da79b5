// MaildirTransaction: saves, flag changes and expunges of one Maildir folder.
//
// The dovecot-uidlist lock is taken at the first change and held until
// commit()/rollback(), so the UID save() returns is final. Order at commit
// (each step leaves a store that opens, whatever instant a crash hits):
//   1. dovecot-keywords gets the letters of new keywords;
//   2. message files are renamed tmp/ -> new/ or cur/, flag changes renamed,
//      expunged files unlinked (the files are the authority);
//   3. dovecot-uidlist is appended to (or rewritten after expunges);
//   4. the Roost index commits the same changes with one new modseq.
// A crash before 3 leaves files the next sync numbers from N (never below
// any UID handed out before); a crash before 4 is repaired by the next sync.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <istream>

#include "formats/maildir/maildir_filename.hpp"
#include "formats/maildir/maildir_mailbox.hpp"
#include "formats/mime/header.hpp"
#include "formats/mime/header_key.hpp"
#include "formats/model/message_file.hpp"
#include "lib/compress/decompress.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

class MaildirTransaction : public MailTransaction {
 public:
  explicit MaildirTransaction(MaildirMailbox* box) : box_(box), itx_(box->index_->begin()) {}
  ~MaildirTransaction() override {
    try {
      rollback();
    } catch (...) {
    }
  }

  uint32_t save(std::istream& message, const SaveRequest& req) override;
  void update_flags(uint32_t uid, FlagOp op, const MessageFlags& flags) override;
  void expunge(uint32_t uid) override;
  void commit() override;
  void rollback() override;

 private:
  struct PendingSave {
    std::string tmp_path;
    std::string base;  // with ,S=,W=
    MessageRecord record;
  };
  struct PendingChange {
    uint32_t uid;
    bool expunge;
    FlagOp op;
    MessageFlags flags;
  };

  void ensure_session();
  std::string info_for(const MessageFlags& flags);
  void apply_change(const PendingChange& c);

  MaildirMailbox* box_;
  MailIndex::Transaction itx_;
  std::optional<MaildirMailbox::Session> session_;
  std::vector<PendingSave> saves_;
  std::vector<PendingChange> changes_;
  // Current state of records touched by this transaction (uid -> record).
  std::map<uint32_t, MessageRecord> touched_;
  uint64_t expunged_bytes_ = 0;  // for maildirsize
  int64_t quota_count_ = 0;
};

void MaildirTransaction::ensure_session() {
  if (session_) {
    session_->lock.touch();
    return;
  }
  session_.emplace();
  box_->begin_session(*session_);
  box_->sync_locked(*session_, itx_);
}

uint32_t MaildirTransaction::save(std::istream& message, const SaveRequest& req) {
  ensure_session();
  auto& s = *session_;
  if (!req.guid.empty() && !valid_maildir_base_name(req.guid))
    throw Error(kExitDataErr, "message GUID '" + req.guid +
                                  "' can't be stored in dovecot-uidlist (contains a space, "
                                  "'/', ':' or a control character)");
  if (req.pop3_uidl.find_first_of(" \t\r\n") != std::string::npos)
    throw Error(kExitDataErr, "POP3 UIDL '" + req.pop3_uidl +
                                  "' can't be stored in dovecot-uidlist (contains whitespace)");
  std::string base = generate_maildir_base_name();
  std::string tmp_path = path_join(path_join(box_->paths_.mail_dir, "tmp"), base);
  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw_errno("cannot create message file", tmp_path);
  uint64_t size = 0, vsize = 0;
  try {
    // With zlib_save the file holds the gzip of the message; S= and W= are
    // still the message's own sizes, as Dovecot writes them.
    MessageFileWriter writer(fd, tmp_path, box_->save_compression_);
    writer.write_stream(message);
    writer.finish();
    size = writer.sizes().physical;
    vsize = writer.sizes().virtual_size;
    if (box_->fsync_ && ::fsync(fd) < 0) throw_errno("cannot fsync", tmp_path);
    int64_t received = req.received_date ? req.received_date : std::time(nullptr);
    struct timespec times[2] = {{received, 0}, {received, 0}};
    if (::futimens(fd, times) < 0) throw_errno("cannot set the received date of", tmp_path);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp_path.c_str());
    throw;
  }
  ::close(fd);

  // A requested UID is kept when it is above every UID used so far; below
  // that (even if free) Dovecot refuses it too, and we give the next UID:
  // the caller sees the UID returned.
  uint32_t uid = req.uid >= s.list.next_uid ? req.uid : s.list.next_uid;
  if (uid == UINT32_MAX) throw Error(kExitCantCreat, "no UIDs left in " + box_->name_);
  s.list.next_uid = uid + 1;

  PendingSave p;
  p.tmp_path = tmp_path;
  p.base = base + ",S=" + std::to_string(size) + ",W=" + std::to_string(vsize);
  if (!req.guid.empty()) {
    // A given GUID names the file too (as Dovecot does), so the GUID
    // survives even a crash before dovecot-uidlist records it: a resumed
    // dsync or import then recognises the mail instead of copying it again.
    std::string named = req.guid.substr(0, req.guid.find(','));
    named += ",S=" + std::to_string(size) + ",W=" + std::to_string(vsize);
    bool taken = s.files.count(named) > 0;
    for (const auto& other : saves_) taken = taken || other.base == named;
    if (!taken) p.base = named;
  }
  MessageRecord& m = p.record;
  m.uid = uid;
  m.guid = req.guid.empty() ? p.base : req.guid;
  m.flags = req.flags;
  m.flags.system &= kFlagsStorable;
  m.received_date = req.received_date ? req.received_date : std::time(nullptr);
  m.save_date = req.save_date ? req.save_date : std::time(nullptr);
  m.physical_size = size;
  m.virtual_size = vsize;
  m.pop3_uidl = req.pop3_uidl;
  m.pop3_order = req.pop3_order;
  touched_[uid] = m;
  saves_.push_back(std::move(p));
  return uid;
}

void MaildirTransaction::update_flags(uint32_t uid, FlagOp op, const MessageFlags& flags) {
  ensure_session();
  changes_.push_back({uid, false, op, flags});
}

void MaildirTransaction::expunge(uint32_t uid) {
  ensure_session();
  changes_.push_back({uid, true, FlagOp::kAdd, {}});
}

std::string MaildirTransaction::info_for(const MessageFlags& flags) {
  auto& s = *session_;
  std::vector<int> slots;
  for (const auto& kw : flags.keywords) {
    bool added = false;
    if (auto slot = s.keywords.find_or_add(kw, added)) slots.push_back(*slot);
    if (added) {
      // Written before any file name uses the new letter.
      s.keywords_changed = true;
      box_->write_keywords(s);
      itx_.add_keyword(kw);
    } else if (!s.keywords.find(kw)) {
      itx_.add_keyword(kw);  // beyond 26 letters: index only
    }
  }
  std::sort(slots.begin(), slots.end());
  return update_maildir_info("", flags.system & kFlagsStorable, slots);
}

namespace {

// The header key recorded with an expunge (ExpungeRecord::hdr_key), read
// from the file itself: the mailbox's own readers may sync, which needs
// the lock this transaction holds. Empty when it can't be read.
std::string header_key_of_file(const std::string& path) noexcept {
  try {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    auto in = open_fd_decompressing(fd, "message file " + path);
    return mail_header_key(read_header_text(*in));
  } catch (...) {
    return {};
  }
}

}  // namespace

void MaildirTransaction::apply_change(const PendingChange& c) {
  auto& s = *session_;
  MessageRecord* rec = nullptr;
  if (auto it = touched_.find(c.uid); it != touched_.end()) {
    rec = &it->second;
  } else if (const MessageRecord* m = box_->index_->find(c.uid)) {
    rec = &(touched_[c.uid] = *m);
  }
  if (!rec) return;  // already expunged (by us or someone else)
  bool is_new_save = std::any_of(saves_.begin(), saves_.end(),
                                 [&](const PendingSave& p) { return p.record.uid == c.uid; });
  if (is_new_save) {
    // Not on disk yet: just change what commit() will write.
    for (auto& p : saves_)
      if (p.record.uid == c.uid) {
        if (c.expunge) {
          ::unlink(p.tmp_path.c_str());
          p.tmp_path.clear();
        } else {
          apply_flag_update(p.record.flags, c.op, c.flags);
          p.record.flags.system &= kFlagsStorable;
        }
      }
    if (c.expunge) touched_.erase(c.uid);
    return;
  }
  std::string base = parse_maildir_filename(basename_of(rec->locator)).base;
  auto current_path = [&]() -> std::string {
    std::string p = path_join(box_->paths_.mail_dir, rec->locator);
    if (path_exists(p)) return p;
    if (auto loc = box_->locate(base)) {
      rec->locator = *loc;
      return path_join(box_->paths_.mail_dir, *loc);
    }
    return "";
  };
  std::string path = current_path();
  if (c.expunge) {
    std::string key = path.empty() ? std::string() : header_key_of_file(path);
    if (!path.empty() && ::unlink(path.c_str()) < 0 && errno != ENOENT)
      throw_errno("cannot expunge (unlink)", path);
    expunged_bytes_ += rec->physical_size;
    --quota_count_;
    std::erase_if(s.list.records, [&](const UidListRecord& r) { return r.uid == c.uid; });
    s.rewrite = true;
    itx_.expunge(c.uid, std::move(key));
    touched_.erase(c.uid);
    return;
  }
  if (path.empty()) {
    // Gone meanwhile: it's an expunge the next sync records.
    touched_.erase(c.uid);
    return;
  }
  MessageFlags nf = rec->flags;
  apply_flag_update(nf, c.op, c.flags);
  nf.system &= kFlagsStorable;
  // The index presents \Recent in rec->flags; it is never stored.
  if (nf.system == (rec->flags.system & kFlagsStorable) && nf.keywords == rec->flags.keywords)
    return;
  std::string file = basename_of(rec->locator);
  MaildirFileName fn = parse_maildir_filename(file);
  std::string sub = rec->locator.substr(0, rec->locator.find('/'));
  // Keep P, unknown letters and further flag sets of the current name.
  std::string fresh = info_for(nf);
  std::vector<int> slots;
  for (char ch : fresh)
    if (ch >= 'a' && ch <= 'z') slots.push_back(ch - 'a');
  fn.info = update_maildir_info(fn.info, nf.system, slots);
  fn.has_info = true;
  fn.other_info.clear();
  std::string new_locator = sub + "/" + format_maildir_filename(fn);
  if (new_locator != rec->locator) {
    std::string to = path_join(box_->paths_.mail_dir, new_locator);
    if (::rename(path.c_str(), to.c_str()) < 0) throw_errno("cannot rename", path);
  }
  rec->locator = new_locator;
  rec->flags = nf;
  itx_.update(*rec);
}

void MaildirTransaction::commit() {
  if (!session_) return;
  auto& s = *session_;
  for (auto& c : changes_) apply_change(c);
  for (auto& p : saves_) {
    if (p.tmp_path.empty()) continue;
    bool has_flags = (p.record.flags.system & kFlagsStorable) || !p.record.flags.keywords.empty();
    std::string name = p.base;
    std::string sub = "new";
    if (has_flags) {
      name += ":2," + info_for(p.record.flags);
      sub = "cur";
    }
    std::string to = path_join(path_join(box_->paths_.mail_dir, sub), name);
    if (::rename(p.tmp_path.c_str(), to.c_str()) < 0) throw_errno("cannot move into place", to);
    p.tmp_path.clear();
    p.record.locator = sub + "/" + name;
    UidListRecord r;
    r.uid = p.record.uid;
    r.name = p.base;
    if (p.record.guid != p.base) r.set_ext('G', p.record.guid);
    if (!p.record.pop3_uidl.empty()) r.set_ext('P', p.record.pop3_uidl);
    if (p.record.pop3_order) r.set_ext('O', std::to_string(p.record.pop3_order));
    s.append += serialize_uidlist_record(r);
    s.list.records.push_back(std::move(r));
    itx_.append(p.record);
    quota_count_++;
  }
  if (!saves_.empty() && box_->fsync_) {
    // Only the directories that received a file need their entries durable.
    bool into_new = false, into_cur = false;
    for (const auto& p : saves_) (p.record.locator.compare(0, 4, "new/") == 0 ? into_new : into_cur) = true;
    if (into_new) fsync_dir(path_join(box_->paths_.mail_dir, "new"));
    if (into_cur) fsync_dir(path_join(box_->paths_.mail_dir, "cur"));
  }
  std::sort(s.list.records.begin(), s.list.records.end(),
            [](const UidListRecord& a, const UidListRecord& b) { return a.uid < b.uid; });
  // Maildir++ quota: one line per change batch, as other writers do.
  std::string quota_path = path_join(box_->paths_.root, "maildirsize");
  int64_t saved_bytes = 0;
  for (const auto& p : saves_) saved_bytes += static_cast<int64_t>(p.record.physical_size);
  box_->finish_session(s, itx_);
  session_.reset();
  if ((saved_bytes || expunged_bytes_) && path_exists(quota_path)) {
    int64_t delta = saved_bytes - static_cast<int64_t>(expunged_bytes_);
    std::string line = std::to_string(delta) + " " + std::to_string(quota_count_) + "\n";
    int fd = ::open(quota_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
      if (::write(fd, line.data(), line.size()) < 0) {
        // maildirsize is advisory: a failed update is recalculated later.
      }
      ::close(fd);
    }
  }
  saves_.clear();
  changes_.clear();
  touched_.clear();
  expunged_bytes_ = 0;
  quota_count_ = 0;
  itx_ = box_->index_->begin();
}

void MaildirTransaction::rollback() {
  for (auto& p : saves_)
    if (!p.tmp_path.empty()) ::unlink(p.tmp_path.c_str());
  saves_.clear();
  changes_.clear();
  touched_.clear();
  session_.reset();  // releases the uidlist lock; nothing was written
}

std::unique_ptr<MailTransaction> MaildirMailbox::begin() {
  return std::make_unique<MaildirTransaction>(this);
}

}  // namespace roost
