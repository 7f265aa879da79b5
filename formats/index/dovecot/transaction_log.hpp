#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// dovecot.index.log v1.3 file header (mail-index-format.md §3.1).
struct DovecotLogHeader {
  uint8_t major_version = 1;
  uint8_t minor_version = 3;
  uint16_t hdr_size = 40;
  uint32_t indexid = 0;
  uint32_t file_seq = 0;
  uint32_t prev_file_seq = 0;
  uint32_t prev_file_offset = 0;
  uint32_t create_stamp = 0;
  uint64_t initial_modseq = 0;
  uint8_t compat_flags = 0;
};

// Record types (the low 28 bits of the type word) and the flag bits OR-ed
// into it (§3.2).
enum DovecotLogType : uint32_t {
  kLogExpunge = 0x1,
  kLogAppend = 0x2,
  kLogFlagUpdate = 0x4,
  kLogHeaderUpdate = 0x20,
  kLogExtIntro = 0x40,
  kLogExtReset = 0x80,
  kLogExtHdrUpdate = 0x100,
  kLogExtRecUpdate = 0x200,
  kLogKeywordUpdate = 0x400,
  kLogKeywordReset = 0x800,
  kLogExtAtomicInc = 0x1000,
  kLogExpungeGuid = 0x2000,
  kLogModseqUpdate = 0x8000,
  kLogExtHdrUpdate32 = 0x10000,
  kLogIndexDeleted = 0x20000,
  kLogIndexUndeleted = 0x40000,
  kLogBoundary = 0x80000,
  kLogAttributeUpdate = 0x100000,
};
constexpr uint32_t kLogTypeMask = 0x0fffffff;
constexpr uint32_t kLogExpungeProt = 0x0000cd90;
constexpr uint32_t kLogExternal = 0x10000000;
constexpr uint32_t kLogSync = 0x20000000;

constexpr uint32_t dovecot_log_kind(uint32_t type) {
  const uint32_t t = type & kLogTypeMask;
  const uint32_t bare = t & ~kLogExpungeProt;
  if ((t & kLogExpungeProt) == kLogExpungeProt && (bare == kLogExpunge || bare == kLogExpungeGuid))
    return bare;
  return t;
}

struct DovecotLogRecord {
  uint32_t offset = 0;  // of the 8-byte record header in the file
  uint32_t type = 0;    // full type word incl. flag bits
  std::string_view payload;  // view into the parsed bytes
  // The record type without flag bits. Expunges carry 0xcd90 as a guard
  // against misread types; it overlaps other type bits, so only strip it
  // from them.
  uint32_t kind() const { return dovecot_log_kind(type); }
  bool external() const { return (type & kLogExternal) != 0; }
};

struct DovecotLog {
  DovecotLogHeader hdr;
  std::vector<DovecotLogRecord> records;  // complete transactions only
  uint32_t end_offset = 0;  // where the complete transactions end
  // Set when bytes after end_offset were not used: a transaction still being
  // written (its BOUNDARY or a record runs past EOF). Says where and why.
  std::optional<std::string> torn_tail;
};

// The 7-bit, big-endian size encoding of §3.2. Decode returns nullopt when
// the marker bits are missing.
uint32_t encode_dovecot_log_size(uint32_t size);
std::optional<uint32_t> decode_dovecot_log_size(uint32_t stored_be_word);

// Pure: splits a log into records. Records are views into `data`, which
// must outlive the result. Throws roost::Error(kExitDataErr) naming `name`
// and the offset for a bad header or a record that can't be framed (bad size
// encoding, size < 8, expunge without its protection bits).
DovecotLog parse_dovecot_log(std::string_view data, const std::string& name);

}  // namespace roost
