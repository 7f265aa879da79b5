#include "formats/index/dovecot/index_writer.hpp"

#include <openssl/sha.h>

#include <algorithm>

#include "formats/index/dovecot/le_bytes.hpp"
#include "lib/strutil.hpp"

namespace roost {

using dovecot_bytes::align8;
using dovecot_bytes::put_le;

namespace {
constexpr size_t kBaseHeaderSize = 120;
constexpr uint8_t kSeen = 0x08, kDeleted = 0x04;

void append_le(std::string& out, uint64_t v, size_t n) {
  size_t at = out.size();
  out.resize(at + n);
  put_le(out, at, v, n);
}
}  // namespace

std::string build_dovecot_index(const DovecotIndexImage& image) {
  // Record layout: uid (4) + flags (1), then each extension at the first
  // offset its alignment allows, largest alignments first.
  std::vector<size_t> order(image.exts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return image.exts[a].record_align > image.exts[b].record_align;
  });
  std::vector<uint16_t> rec_offset(image.exts.size(), 0);
  size_t pos = 5, max_align = 4;
  for (size_t i : order) {
    const auto& e = image.exts[i];
    if (e.record_size == 0) continue;
    size_t align = std::max<size_t>(e.record_align, 1);
    pos = (pos + align - 1) / align * align;
    rec_offset[i] = static_cast<uint16_t>(pos);
    pos += e.record_size;
    max_align = std::max(max_align, align);
  }
  size_t record_size = (pos + max_align - 1) / max_align * max_align;

  std::string out(kBaseHeaderSize, '\0');
  for (size_t i = 0; i < image.exts.size(); ++i) {
    const auto& e = image.exts[i];
    append_le(out, e.hdr.size(), 4);
    append_le(out, 0, 4);  // reset_id
    append_le(out, rec_offset[i], 2);
    append_le(out, e.record_size, 2);
    append_le(out, e.record_align, 2);
    append_le(out, e.name.size(), 2);
    out += e.name;
    out.resize(align8(out.size()), '\0');
    out += e.hdr;
    out.resize(align8(out.size()), '\0');
  }
  size_t header_size = out.size();
  uint32_t seen = 0, deleted = 0;
  for (const auto& r : image.records) {
    std::string rec(record_size, '\0');
    put_le(rec, 0, r.uid, 4);
    rec[4] = static_cast<char>(r.flags);
    if (r.flags & kSeen) ++seen;
    if (r.flags & kDeleted) ++deleted;
    for (size_t i = 0; i < image.exts.size() && i < r.ext.size(); ++i) {
      const auto& e = image.exts[i];
      if (e.record_size == 0 || r.ext[i].empty()) continue;
      rec.replace(rec_offset[i], e.record_size, r.ext[i].substr(0, e.record_size));
      rec.resize(record_size, '\0');
    }
    out += rec;
  }
  out[0] = 7;  // major
  out[1] = 3;  // minor
  put_le(out, 2, kBaseHeaderSize, 2);
  put_le(out, 4, header_size, 4);
  put_le(out, 8, record_size, 4);
  out[12] = 1;  // little-endian
  put_le(out, 16, image.indexid, 4);
  put_le(out, 24, image.uid_validity, 4);
  put_le(out, 28, image.next_uid, 4);
  put_le(out, 32, image.records.size(), 4);
  put_le(out, 40, seen, 4);
  put_le(out, 44, deleted, 4);
  put_le(out, 48, image.first_recent_uid, 4);
  put_le(out, 52, 1, 4);  // first_unseen_uid_lowwater: a hint, scanning from 1 is always right
  put_le(out, 56, 1, 4);
  // Synced to the start of a log that doesn't exist yet: Dovecot creates
  // the next one.
  put_le(out, 60, image.log_file_seq, 4);
  put_le(out, 76, 0xffffffffu, 4);  // no rotated log
  return out;
}

DovecotWriteExt dovecot_keywords_ext(const std::vector<std::string>& names) {
  DovecotWriteExt e;
  e.name = "keywords";
  std::string hdr;
  append_le(hdr, names.size(), 4);
  std::string blob;
  for (const auto& n : names) {
    append_le(hdr, 0, 4);
    append_le(hdr, blob.size(), 4);
    blob += n;
    blob += '\0';
  }
  e.hdr = hdr + blob;
  e.hdr.resize(dovecot_bytes::align4(e.hdr.size()), '\0');
  size_t bytes = (names.size() + 7) / 8;
  if (bytes % 4 != 0) ++bytes;  // Dovecot reserves one byte when unaligned
  e.record_size = static_cast<uint16_t>(bytes);
  e.record_align = 1;
  return e;
}

std::string dovecot_keywords_record(const DovecotWriteExt& ext, const std::vector<size_t>& set) {
  std::string rec(ext.record_size, '\0');
  for (size_t i : set)
    if (i / 8 < rec.size()) rec[i / 8] = static_cast<char>(rec[i / 8] | (1 << (i % 8)));
  return rec;
}

std::string dovecot_guid_128(const std::string& guid) {
  if (guid.size() == 32)
    if (auto bytes = hex_decode(guid)) return std::string(bytes->begin(), bytes->end());
  unsigned char sha[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(guid.data()), guid.size(), sha);
  return std::string(reinterpret_cast<const char*>(sha) + SHA_DIGEST_LENGTH - 16, 16);
}

}  // namespace roost
