#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "formats/index/mail_index.hpp"

namespace roost {

// Where one stored message lives and how many mailbox records point at it.
struct MdboxMapEntry {
  uint32_t map_uid = 0;
  uint32_t file_id = 0;   // m.<file_id>, in the primary or the ALT storage dir
  uint64_t offset = 0;    // of the message header
  uint64_t size = 0;      // header + body + metadata
  uint32_t refcount = 0;  // mailbox records referencing it (0: purge removes it)
};

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
// as Dovecot's dovecot.map.index, kept in Roost's own crash-safe index
// (formats/index MailIndex: snapshot + CRC-framed log) in
// `<storage>/roost.map*`. Entries are MailIndex records whose UID is the
// map UID and whose locator is "<file_id> <offset> <size> <refcount>".
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
  const MdboxMapEntry* find(uint32_t map_uid) const;
  const std::map<uint32_t, MdboxMapEntry>& entries() const {
    ensure_entries();
    return entries_;
  }
  // map_uid of the entries stored in `file_id`, by offset.
  std::vector<MdboxMapEntry> entries_in_file(uint32_t file_id) const;
  const std::string& dir() const { return dir_; }

  // Exclusive storage lock (blocking); refreshes the map once held.
  std::unique_ptr<Lock> lock();

 private:
  friend class Txn;
  void reload_entries();
  // The entries are built on first use: a no-op sync reads the header only.
  void ensure_entries() const {
    if (!entries_loaded_) const_cast<MdboxMap*>(this)->reload_entries();
  }
  // entries_ and by_file_ change together through these.
  void set_entry(const MdboxMapEntry& e);
  void erase_entry(uint32_t map_uid);
  void clear_entries();

  std::string dir_;
  std::unique_ptr<MailIndex> index_;
  std::map<uint32_t, MdboxMapEntry> entries_;
  // file_id -> map UIDs stored there (unordered): entries_in_file() without
  // a walk over the whole map, which an appender does once per transaction.
  std::unordered_map<uint32_t, std::vector<uint32_t>> by_file_;
  bool entries_loaded_ = false;
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
  // Records `e` as a new entry (`is_new`) or as the new state of one.
  void put(const MdboxMapEntry& e, bool is_new);

  MdboxMap& map_;
  MailIndex::Transaction txn_;
  std::map<uint32_t, MdboxMapEntry> changed_;
  std::vector<uint32_t> removed_;
  bool reset_ = false;
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
