#include "formats/dbox/sdbox_dovecot_log.hpp"

#include "formats/index/dovecot/transaction_log.hpp"

namespace roost {

namespace {

void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}
void pad4(std::string& out) {
  while (out.size() % 4) out += '\0';
}

std::string record(uint32_t type, std::string payload) {
  pad4(payload);
  std::string out;
  const uint32_t enc = encode_dovecot_log_size(static_cast<uint32_t>(8 + payload.size()));
  for (int i = 3; i >= 0; --i) out += static_cast<char>((enc >> (8 * i)) & 0xff);  // big-endian
  put32(out, type);
  return out + payload;
}

// HEADER_UPDATE of one 32-bit field of the 120-byte base header.
std::string header_field(uint16_t offset, uint32_t value) {
  std::string p;
  put16(p, offset);
  put16(p, 4);
  put32(p, value);
  return record(kLogHeaderUpdate, p);
}

constexpr uint16_t kUidValidityOffset = 24;
constexpr uint16_t kNextUidOffset = 28;
constexpr uint32_t kSdboxHeaderSize = 24;  // struct sdbox_index_header

}  // namespace

std::string dovecot_log_file_header(uint32_t indexid, uint32_t create_stamp) {
  std::string h;
  h += '\x01';  // major
  h += '\x03';  // minor
  put16(h, 40);
  put32(h, indexid);
  put32(h, 2);  // file_seq
  put32(h, 0);  // prev_file_seq
  put32(h, 0);  // prev_file_offset
  put32(h, create_stamp);
  put32(h, 1);  // initial_modseq, low and high half
  put32(h, 0);
  h += '\x01';  // compat_flags: little-endian
  h += std::string(7, '\0');
  return h;
}

void DovecotLogTransaction::append(uint32_t uid, uint8_t flags) {
  put32(appends_, uid);
  appends_ += static_cast<char>(flags);
  appends_ += std::string(3, '\0');
}

void DovecotLogTransaction::update_flags(uint32_t uid, uint8_t add, uint8_t remove) {
  put32(flag_updates_, uid);
  put32(flag_updates_, uid);
  flag_updates_ += static_cast<char>(add);
  flag_updates_ += static_cast<char>(remove);
  flag_updates_ += std::string(2, '\0');
}

void DovecotLogTransaction::update_keyword(const std::string& keyword, bool add, uint32_t uid) {
  for (auto& k : keywords_)
    if (k.name == keyword && k.add == add) {
      k.uids.push_back(uid);
      return;
    }
  keywords_.push_back({keyword, add, {uid}});
}

void DovecotLogTransaction::expunge(uint32_t uid) {
  put32(expunges_, uid);
  put32(expunges_, uid);
}

bool DovecotLogTransaction::empty() const {
  return uid_validity_ == 0 && next_uid_ == 0 && guid_.empty() && appends_.empty() &&
         flag_updates_.empty() && keywords_.empty() && expunges_.empty();
}

std::string DovecotLogTransaction::finish() const {
  std::string body;
  if (uid_validity_) body += header_field(kUidValidityOffset, uid_validity_);
  if (!guid_.empty()) {
    std::string intro;
    put32(intro, 0xffffffff);  // a new extension, named
    put32(intro, 0);           // reset_id
    put32(intro, kSdboxHeaderSize);
    put16(intro, 0);  // record_size: header only
    put16(intro, 0);  // record_align
    put16(intro, 0);  // flags
    put16(intro, 8);
    intro += "dbox-hdr";
    body += record(kLogExtIntro, intro);
    std::string hdr;  // rebuild_count 0, GUID, flags 0, 3 unused
    put32(hdr, 0);
    hdr.append(reinterpret_cast<const char*>(guid_.bytes.data()), guid_.bytes.size());
    hdr += std::string(4, '\0');
    std::string upd;
    put16(upd, 0);
    put16(upd, static_cast<uint16_t>(hdr.size()));
    body += record(kLogExtHdrUpdate, upd + hdr);
  }
  if (!appends_.empty()) body += record(kLogAppend, appends_);
  if (!flag_updates_.empty()) body += record(kLogFlagUpdate, flag_updates_);
  for (const auto& k : keywords_) {
    std::string p;
    p += static_cast<char>(k.add ? 0 : 1);
    p += '\0';
    put16(p, static_cast<uint16_t>(k.name.size()));
    p += k.name;
    pad4(p);
    for (uint32_t uid : k.uids) {
      put32(p, uid);
      put32(p, uid);
    }
    body += record(kLogKeywordUpdate, p);
  }
  if (!expunges_.empty()) body += record(kLogExpunge | kLogExpungeProt | kLogExternal, expunges_);
  if (next_uid_) body += header_field(kNextUidOffset, next_uid_);
  std::string boundary;
  put32(boundary, static_cast<uint32_t>(12 + body.size()));
  return record(kLogBoundary | kLogExternal, boundary) + body;
}

}  // namespace roost
