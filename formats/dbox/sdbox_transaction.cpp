// SdboxTransaction: saves, flag changes and expunges of one sdbox mailbox.
//
// The mailbox's write lock (a flock on dbox-Mails/) is taken at the first change
// and held until commit()/rollback(), so the UID save() returns is final.
// A save writes `.temp.*` in dbox-Mails (file header, message, metadata),
// fsyncs it and only at commit links it to u.<uid>. Commit order, each step
// leaving a store that opens whatever instant a crash hits:
//   1. expunged files are unlinked (the files are the authority);
//   2. saved temp files become u.<uid> (link, so an existing file is never
//      replaced), then the directory is fsynced;
//   3. the Roost index commits flags, expunges and the new records with one
//      new modseq;
//   4. the same changes are appended to Dovecot's dovecot.index.log
//      (sdbox_dovecot_log.hpp), so Dovecot sees them too.
// A crash before 3 is repaired by the next sync: new u.N files get indexed
// (without the flags the save asked for), vanished ones expunged; the UID
// of a file that exists is never handed out again.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <map>
#include <memory>

#include "formats/dbox/dbox_deflate_encoder.hpp"
#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_message_writer.hpp"
#include "formats/dbox/dbox_paths.hpp"
#include "formats/dbox/sdbox_dovecot_log.hpp"
#include "formats/dbox/sdbox_mailbox.hpp"
#include "formats/model/expunge_key.hpp"
#include "lib/error.hpp"
#include "lib/fault.hpp"
#include "lib/fsutil.hpp"

namespace roost {

class SdboxTransaction : public MailTransaction {
 public:
  explicit SdboxTransaction(SdboxMailbox* box) : box_(box), itx_(box->index_->begin()) {}
  ~SdboxTransaction() override {
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
    MessageRecord record;
  };

  void ensure_locked();
  MessageRecord* touch(uint32_t uid);
  PendingSave* pending(uint32_t uid);

  SdboxMailbox* box_;
  MailIndex::Transaction itx_;
  DboxDirLock lock_;
  DovecotLogLock dovecot_lock_;
  uint32_t next_uid_ = 0;
  std::vector<PendingSave> saves_;
  std::map<uint32_t, MessageRecord> touched_;  // flag changes, by UID
  std::vector<uint32_t> expunges_;
};

void SdboxTransaction::ensure_locked() {
  if (lock_.held()) return;
  lock_ = box_->lock();
  // Dovecot assigns UIDs and appends under its log lock: holding it until
  // commit keeps the UIDs handed out here and Dovecot's apart. Taken before
  // the sync, so the sync sees Dovecot's last UID.
  dovecot_lock_ = box_->lock_dovecot_log();
  box_->sync_locked(false);
  box_->synced_ = true;
  itx_ = box_->index_->begin();
  next_uid_ = box_->index_->header().uidnext;
}

SdboxTransaction::PendingSave* SdboxTransaction::pending(uint32_t uid) {
  for (auto& p : saves_)
    if (p.record.uid == uid && !p.tmp_path.empty()) return &p;
  return nullptr;
}

MessageRecord* SdboxTransaction::touch(uint32_t uid) {
  if (auto it = touched_.find(uid); it != touched_.end()) return &it->second;
  const MessageRecord* m = box_->index_->find(uid);
  if (!m) return nullptr;
  return &(touched_[uid] = *m);
}

uint32_t SdboxTransaction::save(std::istream& message, const SaveRequest& req) {
  ensure_locked();
  if (req.guid.find_first_of("\r\n") != std::string::npos)
    throw Error(kExitDataErr,
                "message GUID '" + req.guid + "' can't be stored (contains a line feed)");
  if (req.pop3_uidl.find_first_of("\r\n") != std::string::npos)
    throw Error(kExitDataErr,
                "POP3 UIDL '" + req.pop3_uidl + "' can't be stored (contains a line feed)");
  // A requested UID is kept when it is above every UID used so far, as in
  // Dovecot; otherwise the next one is given.
  uint32_t uid = req.uid >= next_uid_ ? req.uid : next_uid_;
  if (uid == UINT32_MAX) throw Error(kExitCantCreat, "no UIDs left in " + box_->name_);

  const int64_t now = std::time(nullptr);
  PendingSave p;
  p.tmp_path = path_join(box_->paths_.mail_dir, dbox_temp_file_name());
  MessageRecord& m = p.record;
  m.uid = uid;
  m.guid = req.guid.empty() ? Guid128::generate().hex() : req.guid;
  m.flags = req.flags;
  m.flags.system &= kFlagsStorable;
  m.received_date = req.received_date ? req.received_date : now;
  m.save_date = req.save_date ? req.save_date : now;
  m.pop3_uidl = req.pop3_uidl;
  m.pop3_order = req.pop3_order;
  m.locator = "p";

  int fd = ::open(p.tmp_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw_errno("cannot create message file", p.tmp_path);
  try {
    DboxFileHeader fh;
    fh.create_time = now;
    std::string line = format_dbox_file_header(fh);
    dbox_pwrite_all(fd, line, 0, p.tmp_path);
    // Same keys, same order as Dovecot's sdbox save: R V P O G (no B).
    DboxMetadata md;
    md.set_received_time(m.received_date);
    if (!m.pop3_uidl.empty()) md.set_pop3_uidl(m.pop3_uidl);
    if (m.pop3_order) md.set_pop3_order(m.pop3_order);
    md.set_guid(m.guid);
    std::unique_ptr<DboxDeflateEncoder> encoder;
    if (box_->save_compression_.enabled()) {
      box_->save_compression_.check();
      encoder = std::make_unique<DboxDeflateEncoder>(box_->save_compression_.format,
                                                     box_->save_compression_.level);
    }
    DboxWrittenMessage w =
        write_dbox_message(fd, line.size(), message, md, p.tmp_path, encoder.get(),
                           LineEndings::kLf);
    m.physical_size = w.physical_size;
    m.virtual_size = w.virtual_size;
    if (box_->fsync_) {
      if (::fsync(fd) < 0) throw_errno("cannot fsync", p.tmp_path);
      fault_point_after_fsync();
    }
  } catch (...) {
    ::close(fd);
    ::unlink(p.tmp_path.c_str());
    throw;
  }
  ::close(fd);
  next_uid_ = uid + 1;
  saves_.push_back(std::move(p));
  return uid;
}

void SdboxTransaction::update_flags(uint32_t uid, FlagOp op, const MessageFlags& flags) {
  ensure_locked();
  MessageFlags* target = nullptr;
  if (PendingSave* p = pending(uid))
    target = &p->record.flags;
  else if (MessageRecord* m = touch(uid))
    target = &m->flags;
  if (!target) return;  // expunged meanwhile
  apply_flag_update(*target, op, flags);
  target->system &= kFlagsStorable;
}

void SdboxTransaction::expunge(uint32_t uid) {
  ensure_locked();
  if (PendingSave* p = pending(uid)) {
    ::unlink(p->tmp_path.c_str());
    p->tmp_path.clear();
    return;
  }
  if (!box_->index_->find(uid)) return;
  touched_.erase(uid);
  expunges_.push_back(uid);
}

void SdboxTransaction::commit() {
  if (!lock_.held()) return;
  DovecotLogTransaction dovecot;  // the same changes for Dovecot's log
  for (uint32_t uid : expunges_) {
    const MessageRecord* m = box_->index_->find(uid);
    std::string key = m ? expunge_key(*box_, uid) : std::string();
    for (const std::string& path : {box_->file_path(uid, "p"), box_->file_path(uid, "a")})
      if (::unlink(path.c_str()) < 0 && errno != ENOENT)
        throw_errno("cannot expunge (unlink)", path);
    if (m) {
      itx_.expunge(uid, std::move(key));
      dovecot.expunge(uid);
    }
  }
  bool saved = false;
  for (auto& p : saves_) {
    if (p.tmp_path.empty()) continue;
    std::string to = box_->file_path(p.record.uid, "p");
    if (::link(p.tmp_path.c_str(), to.c_str()) < 0) {
      if (errno == EEXIST)
        throw Error(kExitTempFail, to + " already exists: another program saved UID " +
                                       std::to_string(p.record.uid) +
                                       " meanwhile; nothing was committed, try again");
      throw_errno("cannot move into place", to);
    }
    ::unlink(p.tmp_path.c_str());
    p.tmp_path.clear();
    itx_.append(p.record);
    dovecot.append(p.record.uid, p.record.flags.system & kFlagsStorable);
    for (const auto& kw : p.record.flags.keywords) dovecot.update_keyword(kw, true, p.record.uid);
    saved = true;
  }
  if (saved && box_->fsync_) fsync_dir(box_->paths_.mail_dir);
  for (auto& [uid, m] : touched_) {
    const MessageRecord* cur = box_->index_->find(uid);
    if (!cur || cur->flags == m.flags) continue;
    itx_.update_flags(uid, m.flags);
    const uint8_t before = cur->flags.system & kFlagsStorable, after = m.flags.system;
    if (before != after)
      dovecot.update_flags(uid, static_cast<uint8_t>(after & ~before),
                           static_cast<uint8_t>(before & ~after));
    for (const auto& kw : m.flags.keywords)
      if (!cur->flags.has_keyword(kw)) dovecot.update_keyword(kw, true, uid);
    for (const auto& kw : cur->flags.keywords)
      if (!m.flags.has_keyword(kw)) dovecot.update_keyword(kw, false, uid);
  }
  IndexHeader h = box_->index_->header();
  if (next_uid_ > h.uidnext) {
    h.uidnext = next_uid_;
    itx_.set_header(h);
  }
  itx_.commit();
  if (!dovecot.empty()) {
    dovecot.set_next_uid(box_->index_->header().uidnext);
    box_->export_to_dovecot(dovecot, &dovecot_lock_);
  }
  dovecot_lock_.release();
  saves_.clear();
  touched_.clear();
  expunges_.clear();
  lock_.release();
  box_->invalidate();
  itx_ = box_->index_->begin();
}

void SdboxTransaction::rollback() {
  for (auto& p : saves_)
    if (!p.tmp_path.empty()) ::unlink(p.tmp_path.c_str());
  saves_.clear();
  touched_.clear();
  expunges_.clear();
  dovecot_lock_.release();
  if (lock_.held()) lock_.release();
}

std::unique_ptr<MailTransaction> SdboxMailbox::begin() {
  return std::make_unique<SdboxTransaction>(this);
}

}  // namespace roost
