#include "formats/index/dovecot/transaction_log.hpp"

#include <cstdio>

#include "formats/index/dovecot/le_bytes.hpp"
#include "lib/error.hpp"

namespace roost {

using namespace dovecot_bytes;

namespace {
[[noreturn]] void corrupt(const std::string& name, const std::string& what) {
  throw Error(kExitDataErr, "Dovecot transaction log " + name + " is corrupt: " + what);
}
uint32_t be32(std::string_view d, size_t off) {
  return static_cast<uint32_t>(u8(d, off)) << 24 | static_cast<uint32_t>(u8(d, off + 1)) << 16 |
         static_cast<uint32_t>(u8(d, off + 2)) << 8 | static_cast<uint32_t>(u8(d, off + 3));
}
constexpr uint32_t kMinLogHeader = 24;
}  // namespace

uint32_t encode_dovecot_log_size(uint32_t size) {
  const uint32_t v = size >> 2;
  return 0x80808080u | (v & 0x7f) | ((v >> 7) & 0x7f) << 8 | ((v >> 14) & 0x7f) << 16 |
         ((v >> 21) & 0x7f) << 24;
}

std::optional<uint32_t> decode_dovecot_log_size(uint32_t x) {
  if ((x & 0x80808080u) != 0x80808080u) return std::nullopt;
  return ((x & 0x7f) | ((x >> 8) & 0x7f) << 7 | ((x >> 16) & 0x7f) << 14 |
          ((x >> 24) & 0x7f) << 21)
         << 2;
}

DovecotLog parse_dovecot_log(std::string_view d, const std::string& name) {
  if (d.size() < kMinLogHeader)
    corrupt(name, "file is only " + std::to_string(d.size()) + " bytes, no header");
  DovecotLog log;
  DovecotLogHeader& h = log.hdr;
  h.major_version = u8(d, 0);
  h.minor_version = u8(d, 1);
  h.hdr_size = le16(d, 2);
  if (h.major_version != 1)
    corrupt(name, "major version " + std::to_string(h.major_version) + ", only 1 is supported");
  if (h.hdr_size < kMinLogHeader || h.hdr_size > d.size())
    corrupt(name, "hdr_size " + std::to_string(h.hdr_size) + " out of range");
  h.indexid = le32(d, 4);
  h.file_seq = le32(d, 8);
  h.prev_file_seq = le32(d, 12);
  h.prev_file_offset = le32(d, 16);
  h.create_stamp = le32(d, 20);
  if (h.hdr_size >= 33) {
    h.initial_modseq = le64(d, 24);
    h.compat_flags = u8(d, 32);
    // Logs before 1.2 carried no compat flags; all of them are native order.
    if ((h.compat_flags & 1) == 0) corrupt(name, "not a little-endian log (compat_flags)");
  }
  if (h.indexid == 0) corrupt(name, "indexid is 0 (Dovecot marked the log corrupted)");
  if (d.size() > 0xffffffffu) corrupt(name, "larger than 4 GiB");

  // Frame every record; a transaction (BOUNDARY + its records) is only kept
  // once all of it is on disk, as Dovecot does for concurrent appends.
  uint64_t off = h.hdr_size;
  uint64_t txn_end = 0;      // end of the current BOUNDARY's transaction
  uint64_t committed = off;  // offset after the last complete transaction
  size_t committed_count = 0;
  while (off < d.size()) {
    const std::string at = " at offset " + std::to_string(off);
    if (off + 8 > d.size()) {
      log.torn_tail = "record header cut short" + at;
      break;
    }
    auto size = decode_dovecot_log_size(be32(d, off));
    const uint32_t type = le32(d, off + 4);
    if (!size) corrupt(name, "record size has a bad encoding" + at);
    if (*size < 8) corrupt(name, "record size " + std::to_string(*size) + " < 8" + at);
    if (off + *size > d.size()) {
      log.torn_tail = "record of " + std::to_string(*size) + " bytes runs past EOF" + at;
      break;
    }
    const uint32_t kind = dovecot_log_kind(type);
    if ((kind == kLogExpunge || kind == kLogExpungeGuid) &&
        (type & kLogExpungeProt) != kLogExpungeProt)
      corrupt(name, "expunge record without its protection bits" + at);
    // Unknown single-bit types are skipped by replay; several type bits at
    // once is never written.
    if (kind == 0 || (kind & (kind - 1)) != 0)
      corrupt(name, "invalid record type 0x" + [&] {
        char b[16];
        std::snprintf(b, sizeof b, "%08x", type);
        return std::string(b);
      }() + at);
    if (kind == kLogBoundary) {
      if (*size < 12) corrupt(name, "boundary record too short" + at);
      const uint32_t txn_size = le32(d, off + 8);
      if (txn_size < *size) corrupt(name, "boundary transaction size too small" + at);
      if (txn_end != 0) corrupt(name, "boundary inside the previous transaction" + at);
      if (off + txn_size > d.size()) {
        log.torn_tail = "transaction of " + std::to_string(txn_size) + " bytes runs past EOF" + at;
        break;
      }
      txn_end = off + txn_size;
    }
    DovecotLogRecord r;
    r.offset = static_cast<uint32_t>(off);
    r.type = type;
    r.payload = d.substr(off + 8, *size - 8);
    log.records.push_back(r);
    off += *size;
    if (txn_end != 0 && off > txn_end)
      corrupt(name, "record overruns its transaction's boundary" + at);
    if (off == txn_end) txn_end = 0;
    if (txn_end == 0) {  // outside or at the end of a BOUNDARY's transaction
      committed = off;
      committed_count = log.records.size();
    }
  }
  if (log.records.size() != committed_count) {
    if (!log.torn_tail) log.torn_tail = "transaction incomplete at EOF";
    log.records.resize(committed_count);
  }
  log.end_offset = static_cast<uint32_t>(committed);
  return log;
}

}  // namespace roost
