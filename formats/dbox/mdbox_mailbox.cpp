#include "formats/dbox/mdbox_mailbox.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "formats/dbox/dbox_range_stream.hpp"
#include "formats/dbox/mdbox_storage.hpp"
#include "formats/index/index_status.hpp"
#include "formats/mime/header.hpp"
#include "lib/compress/decompress.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

std::unique_ptr<MailTransaction> make_mdbox_transaction(MdboxMailbox& box);

std::optional<MdboxLocator> parse_mdbox_locator(const std::string& locator) {
  auto parts = split_ws(locator);
  if (parts.empty() || parts.size() > 2) return std::nullopt;
  auto uid = parse_u32(parts[0]);
  if (!uid || *uid == 0) return std::nullopt;
  MdboxLocator loc;
  loc.map_uid = *uid;
  loc.alt = parts.size() == 2 && parts[1] == "A";
  return loc;
}

std::string format_mdbox_locator(const MdboxLocator& loc) {
  return std::to_string(loc.map_uid) + (loc.alt ? " A" : "");
}

MdboxMailbox::MdboxMailbox(MdboxStorage& storage, std::string name, std::string dir)
    : storage_(storage), name_(std::move(name)), dir_(std::move(dir)) {
  MailIndex::Options opt;
  opt.fsync = storage_.settings().fsync;
  opt.lazy = true;  // status() reads the index's summary only
  index_ = MailIndex::open(dir_, opt);
}

MdboxMailbox::~MdboxMailbox() {
  if (header_cache_ && index_) {
    std::vector<uint32_t> live;
    for (const auto& m : index_->records()) live.push_back(m.uid);
    header_cache_->flush(live);
  }
}

MailboxStatus MdboxMailbox::status() {
  return status_from_index(index_->header(), index_->counters());
}

void MdboxMailbox::sync() {
  index_->refresh();
  storage_.map().refresh();
}

const std::vector<MessageRecord>& MdboxMailbox::messages() {
  return index_->records();
}

std::vector<MessageRecord> MdboxMailbox::changed_since(uint64_t modseq) {
  return index_->changed_since(modseq);
}

std::vector<ExpungeRecord> MdboxMailbox::expunged_since(uint64_t modseq) {
  return index_->expunges_since(modseq);
}

std::vector<std::string> MdboxMailbox::keywords() {
  return index_->keywords();
}

std::unique_ptr<std::istream> MdboxMailbox::open_message(uint32_t uid) {
  const MessageRecord* m = index_->find(uid);
  if (!m) {
    index_->refresh();
    m = index_->find(uid);
  }
  if (!m)
    throw Error(kExitNotFound, "message UID " + std::to_string(uid) + " doesn't exist in " + name_);
  auto loc = parse_mdbox_locator(m->locator);
  if (!loc)
    throw Error(kExitDataErr, "the index of mailbox " + name_ + " has a bad record for UID " +
                                  std::to_string(uid) + "; run `roost force-resync` on it");
  // A purge may have moved the message since the map was read: look again.
  for (int attempt = 0;; ++attempt) {
    const MdboxMapEntry* e = storage_.map().find(loc->map_uid);
    try {
      if (!e)
        throw Error(kExitNotFound, "message UID " + std::to_string(uid) + " of " + name_ +
                                       " points at map UID " + std::to_string(loc->map_uid) +
                                       ", which the mdbox map doesn't have; run `roost "
                                       "force-resync` to rebuild the map");
      MdboxBodyRange r = storage_.body_of(*e);
      int fd = ::open(r.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw_errno("cannot open mdbox file", r.path);
      // Compressed bodies (zlib plugin) are recognized by their magic bytes.
      return decompress_if_needed(std::make_unique<DboxRangeStream>(fd, r.body_offset, r.body_size),
                                  r.path);
    } catch (const Error&) {
      if (attempt > 0) throw;
      storage_.map().refresh();
    }
  }
}

std::string MdboxMailbox::read_header(uint32_t uid) {
  if (!header_cache_)
    header_cache_ = std::make_unique<HeaderCache>(dir_, index_->header().uidvalidity);
  if (auto cached = header_cache_->find(uid)) return std::string(*cached);
  auto in = open_message(uid);
  std::string header = read_header_text(*in);
  header_cache_->add(uid, header);
  return header;
}

std::unique_ptr<MailTransaction> MdboxMailbox::begin() {
  return make_mdbox_transaction(*this);
}

bool MdboxMailbox::update(const MailboxUpdate& change) {
  // Under the storage lock, as every writer of this mailbox's index.
  auto lock = storage_.map().lock();
  index_->refresh();
  const IndexHeader& ih = index_->header();
  IndexHeader nh = ih;
  if (!change.guid.empty()) nh.mailbox_guid = change.guid;
  if (change.uidvalidity != 0 && change.uidvalidity != ih.uidvalidity) {
    // The records keep their UIDs; MailIndex lets UIDNEXT drop with a new
    // UIDVALIDITY.
    nh.uidvalidity = change.uidvalidity;
    uint32_t highest = 0;
    for (const auto& m : index_->records()) highest = std::max(highest, m.uid);
    nh.uidnext = std::max(change.min_uidnext, highest + 1);
    // Cached headers are keyed by UID: a UID space that may come back to
    // an earlier UIDVALIDITY must not find them again.
    header_cache_.reset();
    ::unlink(path_join(dir_, "roost.cache").c_str());
  } else if (change.min_uidnext > ih.uidnext) {
    nh.uidnext = change.min_uidnext;
  }
  if (nh == ih) return true;
  auto t = index_->begin();
  t.set_header(nh);
  t.commit();
  // Dovecot's dovecot.index is rewritten whole from this header when the
  // storage closes, so it gets the new UIDVALIDITY, GUID and UIDNEXT too.
  storage_.mark_changed(name_);
  return true;
}

void MdboxMailbox::force_resync() {
  // One rebuild covers the whole storage: `force-resync '*'` asks every
  // mailbox in turn, but only the first one rebuilds.
  storage_.rebuild_once();
  header_cache_.reset();
  MailIndex::Options opt;
  opt.fsync = storage_.settings().fsync;
  opt.lazy = true;  // status() reads the index's summary only
  index_ = MailIndex::open(dir_, opt);
}

}  // namespace roost
