#include "formats/index/dovecot/mailbox_index.hpp"

#include "formats/index/dovecot/index_loader.hpp"
#include "formats/index/dovecot/le_bytes.hpp"

namespace roost {

using namespace dovecot_bytes;

namespace {
std::string hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 15];
  }
  return out;
}
}  // namespace

DovecotMailboxIndex dovecot_mailbox_index_from_view(DovecotIndexView v) {
  DovecotMailboxIndex m;
  const DovecotBaseHeader h = v.header();
  m.uid_validity = h.uid_validity;
  m.next_uid = h.next_uid;
  m.first_recent_uid = h.first_recent_uid;
  m.highest_modseq = v.highest_modseq;
  m.keywords = v.keywords;
  // sdbox and mdbox headers both carry the mailbox GUID at offset 4.
  if (auto d = v.ext_hdr("dbox-hdr"); d.size() >= 20) {
    m.dbox_rebuild_count = le32(d, 0);
    m.mailbox_guid = hex(d.substr(4, 16));
  }
  if (auto d = v.ext_hdr("mdbox-hdr"); d.size() >= 20) {
    m.map_uid_validity = le32(d, 0);
    m.mailbox_guid = hex(d.substr(4, 16));
  }
  // mbox keeps it at offset 16 of its `mbox` header (after sync_size,
  // sync_mtime, dirty_flag and 3 unused bytes); all zeros = none yet.
  if (auto d = v.ext_hdr("mbox");
      d.size() >= 32 && d.substr(16, 16).find_first_not_of('\0') != std::string_view::npos)
    m.mailbox_guid = hex(d.substr(16, 16));
  if (auto d = v.ext_hdr("hdr-vsize"); d.size() >= 16)
    m.vsize = DovecotVsizeHeader{le64(d, 0), le32(d, 8), le32(d, 12)};
  const int guid_id = v.ext_id("guid"), mdbox_id = v.ext_id("mdbox");
  for (const auto& r : v.records) {
    DovecotMailRecord out;
    out.uid = r.uid;
    out.flags = r.flags;
    for (size_t i = 0; i < r.keywords.size() && i < v.keywords.size(); ++i)
      if (r.keywords[i]) out.keywords.push_back(v.keywords[i]);
    if (guid_id >= 0 && r.ext[guid_id].size() >= 16) {
      std::string_view g(r.ext[guid_id].data(), 16);
      if (g.find_first_not_of('\0') != std::string_view::npos) out.guid = hex(g);
    }
    if (mdbox_id >= 0 && r.ext[mdbox_id].size() >= 8) {
      out.map_uid = le32(r.ext[mdbox_id], 0);
      out.save_date = le32(r.ext[mdbox_id], 4);
    }
    out.modseq = r.modseq;
    m.records.push_back(std::move(out));
  }
  m.notes = v.notes;
  m.view = std::move(v);
  return m;
}

DovecotMailboxIndex load_dovecot_mailbox_index(const std::string& dir) {
  return dovecot_mailbox_index_from_view(load_dovecot_index_view(dir, "dovecot.index"));
}

}  // namespace roost
