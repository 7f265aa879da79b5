#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "formats/dbox/mdbox_map_codec.hpp"

namespace roost {

// Map-wide state kept in the map's header.
struct MdboxMapHeader {
  uint32_t uid_validity = 0;
  uint32_t highest_file_id = 0;
  // Files a purge/altmove is writing: if the map doesn't reference them when
  // the next purge starts, the writer died before switching and they go.
  std::vector<uint32_t> pending_files;
  // Files a purge switched away from but may not have unlinked yet.
  std::vector<uint32_t> retired_files;
  // What of Dovecot's index files Roost imported last (see mdbox_import).
  std::string dovecot_signature;
};

// The mdbox map: map UID -> (file, offset, size, refcount), the same idea
// as Dovecot's dovecot.map.index, kept compact (one 32-byte entry per
// stored message, a sorted vector) in two crash-safe files in the storage
// dir: `roost.map`, a CRC-protected snapshot replaced with
// temp+fsync+rename, and `roost.map.log`, the transactions committed since,
// each framed with length + CRC32 (a torn tail is ignored by readers and cut
// by the next writer; a log naming an older snapshot generation is a
// leftover of an interrupted compaction and ignored). Bytes: mdbox_map_codec.
// A map kept by older Roost versions in `roost.index*` (MailIndex records
// with "<file> <offset> <size> <ref>" locators) is converted when the map is opened.
//
// Nothing is read before it is needed: header() (opening the storage, a
// no-op sync) reads the files but builds no entries; the entries are loaded
// on the first lookup or change.
//
// Every change happens under the storage lock (`roost.map.lock`, flock),
// which also serializes appends to m.* files; readers don't lock.
class MdboxMap {
 public:
  class Lock;
  class Txn;

  MdboxMap(const std::string& storage_dir, bool fsync);
  ~MdboxMap();

  // Picks up changes committed by others.
  void refresh();
  MdboxMapHeader header() const;
  // Valid until the map changes (refresh, commit).
  const MdboxMapEntry* find(uint32_t map_uid) const;
  // Sorted by map UID.
  const std::vector<MdboxMapEntry>& entries() const;
  // The entries stored in `file_id`, by offset.
  std::vector<MdboxMapEntry> entries_in_file(uint32_t file_id) const;
  const std::string& dir() const { return dir_; }

  // Exclusive storage lock (blocking); refreshes the map once held.
  std::unique_ptr<Lock> lock();

 private:
  friend class Txn;
  struct FileId {
    uint64_t dev = 0;
    uint64_t ino = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool exists = false;
    bool operator==(const FileId&) const = default;
  };

  std::string snapshot_path() const;
  std::string log_path() const;
  void ensure_loaded() const;
  // Only hdr_ (status, opening the storage): the entries aren't built.
  void ensure_header() const;
  void convert_if_old() const;
  void load_all(bool with_entries) const;
  bool read_log_from(size_t offset) const;
  void convert_old_map() const;
  void commit_change(const MdboxMapChange& change);
  void compact_locked();
  // Applies one committed transaction to entries_ and by_file_.
  void apply(const MdboxMapChange& change) const;
  void by_file_add(uint32_t file_id, uint32_t map_uid) const;
  void by_file_erase(uint32_t file_id, uint32_t map_uid) const;

  std::string dir_;
  bool fsync_;
  // Loaded lazily by the const accessors, hence mutable.
  mutable bool loaded_ = false;
  mutable bool header_loaded_ = false;  // hdr_ alone is current
  mutable bool with_entries_ = false;   // what load_all/apply maintain
  mutable MdboxMapFileHeader hdr_;
  mutable std::vector<MdboxMapEntry> entries_;
  // file_id -> map UIDs stored there (unordered): entries_in_file() without
  // a walk over the whole map, which an appender does once per transaction.
  mutable std::unordered_map<uint32_t, std::vector<uint32_t>> by_file_;
  mutable uint64_t generation_ = 0;      // of the snapshot loaded (0: none)
  mutable uint64_t log_generation_ = 0;  // of the log applied (0: none)
  mutable size_t log_valid_end_ = 0;     // end of the last complete log frame
  mutable FileId snapshot_id_;
  mutable FileId log_id_;
};

class MdboxMap::Lock {
 public:
  explicit Lock(const std::string& path);
  ~Lock();
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  int fd_ = -1;
};

// Changes to the map; the caller holds the lock. commit() is durable.
class MdboxMap::Txn {
 public:
  explicit Txn(MdboxMap& map);
  // A new entry with the next map UID (refcount as given); returns the UID.
  uint32_t append(uint32_t file_id, uint64_t offset, uint64_t size, uint32_t refcount);
  void add_ref(uint32_t map_uid, int delta);
  void move(uint32_t map_uid, uint32_t file_id, uint64_t offset, uint64_t size);
  void remove(uint32_t map_uid);
  void set_header(const MdboxMapHeader& header);
  // Drops every entry first (rebuild/import): the entries appended after
  // it are the whole new map.
  void reset(const MdboxMapHeader& header);
  void append_entry(const MdboxMapEntry& e);
  void commit();

 private:
  // The entry as this transaction sees it (its own changes first).
  std::optional<MdboxMapEntry> current(uint32_t map_uid) const;

  MdboxMap& map_;
  std::map<uint32_t, MdboxMapEntry> changed_;
  std::vector<uint32_t> removed_;
  bool reset_ = false;
  bool set_header_ = false;
  MdboxMapHeader header_;
  uint32_t next_uid_;
  bool empty_ = true;
};

// Parses/prints the header's sync stamp (pure).
std::string encode_mdbox_map_stamp(const MdboxMapHeader& h);
MdboxMapHeader decode_mdbox_map_stamp(const std::string& stamp, uint32_t uid_validity);
// Parses/prints an entry's locator (pure); nullopt when malformed.
std::string encode_mdbox_map_locator(const MdboxMapEntry& e);
std::optional<MdboxMapEntry> decode_mdbox_map_locator(uint32_t map_uid, const std::string& loc);

}  // namespace roost
