// Keeping Dovecot's index files in step with Roost's, so a real Dovecot
// opens an mdbox Roost wrote with every UID, GUID, flag, keyword, ALT mark
// and copy (refcount) intact.
//
// What Dovecot needs (found in its mdbox-storage-rebuild.c and checked
// against doveadm): its map (`storage/dovecot.map.index`: map UID ->
// file_id/offset/size + refcount, uid_validity) and, per mailbox,
// `dovecot.index` records {uid, flags, `mdbox` {map_uid, save_date},
// `guid`} plus `mdbox-hdr.map_uid_validity`. Without them a force-resync
// still finds every message by scanning the m.* files, but gives them new
// UIDs, no flags, and puts copies back only once (into the mailbox named in
// their B metadata) — and it resurrects expunged-but-unpurged messages.
//
// Each index file is written whole (temp + fsync + rename); its old logs,
// `.cache` and `.backup` go, and Dovecot starts a new log after it. This is
// done when a storage that changed is closed (once per roost command), not
// per transaction. It is meant for handing stores between Roost and a
// Dovecot that is not writing them at that moment; Dovecot's later changes
// are imported again by the next open (mdbox_import.cpp).
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "formats/dbox/mdbox_mailbox.hpp"
#include "formats/dbox/mdbox_storage.hpp"
#include "formats/index/dovecot/index_writer.hpp"
#include "formats/index/dovecot/le_bytes.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

namespace {

std::string le(uint64_t v, size_t n) {
  std::string s(n, '\0');
  dovecot_bytes::put_le(s, 0, v, n);
  return s;
}

// Dovecot opens an index without a log and starts a new log after it
// (checked with doveadm 2.3.19: "Recreated ... because: points to old .log
// file"); an empty log of ours would instead make it drop the index. So the
// old logs go first, then the index is replaced.
void write_index(const std::string& dir, const std::string& prefix,
                 const DovecotIndexImage& image) {
  for (const char* stale : {".log", ".log.2", ".cache", ".backup"})
    if (::unlink(path_join(dir, prefix + stale).c_str()) < 0 && errno != ENOENT)
      throw_errno("cannot remove", path_join(dir, prefix + stale));
  write_file_atomic(path_join(dir, prefix), build_dovecot_index(image));
}

}  // namespace

void MdboxStorage::export_dovecot_indexes() {
  auto lock = map_->lock();
  MdboxMapHeader mh = map_->header();
  uint32_t stamp = static_cast<uint32_t>(::time(nullptr));
  const uint32_t image_log_seq = 1;
  {
    DovecotIndexImage map;
    map.indexid = stamp;
    map.uid_validity = mh.uid_validity;
    map.next_uid = 1;
    DovecotWriteExt m{"map", le(mh.highest_file_id, 4) + le(0, 4), 12, 4};
    DovecotWriteExt ref{"ref", "", 2, 2};
    map.exts = {m, ref};
    for (const auto& e : map_->entries()) {
      DovecotWriteRecord r;
      r.uid = e.map_uid;
      r.ext = {le(e.file_id, 4) + le(e.offset, 4) + le(e.size, 4),
               le(std::min<uint32_t>(e.refcount, 0x7fff), 2)};
      map.records.push_back(std::move(r));
      map.next_uid = e.map_uid + 1;
    }
    write_index(storage_dir(), "dovecot.map.index", map);
  }
  for (const auto& name : changed_mailboxes_) {
    std::string dir = mailbox_dir(name);
    if (!is_dir(dir)) continue;
    auto index = MailIndex::open(dir);
    const IndexHeader& h = index->header();
    DovecotIndexImage img;
    img.indexid = stamp;
    img.uid_validity = h.uidvalidity;
    img.next_uid = h.uidnext;
    img.first_recent_uid = h.first_recent_uid;
    std::string hdr = le(mh.uid_validity, 4);
    hdr.append(reinterpret_cast<const char*>(h.mailbox_guid.bytes.data()), 16);
    hdr += le(0, 4);  // flags + unused
    img.exts.push_back({"mdbox-hdr", hdr, 0, 0});
    img.exts.push_back({"mdbox", "", 8, 4});
    img.exts.push_back({"guid", "", 16, 1});
    img.exts.push_back({"modseq", le(h.highest_modseq, 8) + le(image_log_seq, 4) + le(0, 4), 8, 8});
    const auto& names = index->keywords();
    bool with_keywords = !names.empty();
    if (with_keywords) img.exts.push_back(dovecot_keywords_ext(names));
    for (const auto& m : index->records()) {
      auto loc = parse_mdbox_locator(m.locator);
      if (!loc) continue;
      DovecotWriteRecord r;
      r.uid = m.uid;
      r.flags = static_cast<uint8_t>((m.flags.system & kFlagsStorable) | (loc->alt ? 0x40 : 0));
      r.ext = {"", le(loc->map_uid, 4) + le(static_cast<uint64_t>(m.save_date), 4),
               dovecot_guid_128(m.guid), le(m.modseq, 8)};
      if (with_keywords) {
        std::vector<size_t> set;
        for (const auto& kw : m.flags.keywords)
          for (size_t i = 0; i < names.size(); ++i)
            if (names[i] == kw) set.push_back(i);
        r.ext.push_back(dovecot_keywords_record(img.exts.back(), set));
      }
      img.records.push_back(std::move(r));
    }
    write_index(dir, "dovecot.index", img);
  }
  changed_mailboxes_.clear();
  map_changed_ = false;
  // What Roost wrote must not come back as "Dovecot changed it".
  mh = map_->header();
  mh.dovecot_signature = dovecot_signature();
  MdboxMap::Txn t(*map_);
  t.set_header(mh);
  t.commit();
}

}  // namespace roost
