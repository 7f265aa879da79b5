#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "formats/dbox/mdbox_file.hpp"
#include "formats/dbox/mdbox_map.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "formats/model/storage.hpp"
#include "lib/compress/save_compression.hpp"

namespace roost {

// Registers the "mdbox" format with the storage factory.
void register_mdbox_driver();

struct MdboxSettings {
  uint64_t rotate_size = 10 * 1024 * 1024;  // mdbox_rotate_size
  int64_t rotate_interval = 0;              // mdbox_rotate_interval, seconds (0: off)
  bool fsync = true;
  // Keep Dovecot's index files in step (mdbox_export.cpp); off only for
  // stores no Dovecot will ever open.
  bool write_dovecot_indexes = true;
  // zlib_save: how new bodies are compressed (Dovecot's zlib plugin).
  SaveCompression save_compression;
};

// Where one message's bytes are: the file and the range of its body.
struct MdboxBodyRange {
  std::string path;
  uint64_t body_offset = 0;
  uint64_t body_size = 0;
};

// A user's mdbox (dbox-format.md §1.2): `storage/m.<N>` files holding many
// messages each, the map (storage/roost.index*, see MdboxMap) from map UID
// to file/offset/size/refcount, and per mailbox
// `mailboxes/<name>/dbox-Mails/` with its Roost index (UID -> map UID,
// flags, keywords, modseqs). With ALT= the m.* files may also live in
// `<alt>/storage/`; readers look in the primary dir first.
class MdboxStorage : public MailStorage {
 public:
  MdboxStorage(const MailLocation& location, const StorageSettings& settings);
  ~MdboxStorage() override;

  const MailLocation& location() const override { return location_; }
  char separator() const override { return separator_; }
  std::vector<MailboxInfo> list_mailboxes() override;
  bool mailbox_exists(const std::string& name) override;
  void create_mailbox(const std::string& name, const Guid128& guid = {}) override;
  void delete_mailbox(const std::string& name) override;
  void rename_mailbox(const std::string& from, const std::string& to) override;
  std::vector<std::string> subscriptions() override;
  void set_subscribed(const std::string& name, bool subscribed) override;
  std::unique_ptr<Mailbox> open_mailbox(const std::string& name) override;
  void purge() override;
  // roost-deleted-mailboxes under the root (or CONTROL=), as for maildir.
  std::vector<DeletedMailbox> deleted_mailboxes() override;
  std::vector<MailboxListChange> mailbox_list_changes() override;

  // Storage-wide rebuild from the m.* files (force-resync): the map is
  // recreated, every mailbox keeps the records whose message still exists
  // (by map UID, else by GUID), messages no mailbox references go back to
  // the mailbox in their B metadata (else INBOX), refcounts are recounted.
  void rebuild();
  // rebuild(), unless this storage object already rebuilt.
  void rebuild_once();

  // --- used by the mailbox/transaction code of this driver ---
  MdboxMap& map() { return *map_; }
  const MdboxSettings& settings() const { return settings_; }
  std::string storage_dir() const;
  std::string alt_storage_dir() const;                     // "" without ALT=
  std::string mailbox_dir(const std::string& name) const;  // .../dbox-Mails
  // The path of m.<file_id> (primary, else ALT); "" when in neither.
  std::string find_file(uint32_t file_id) const;
  // Locates the body of a map entry, checking its message header. Throws
  // Error(kExitDataErr) naming the file and what to do when it is damaged.
  MdboxBodyRange body_of(const MdboxMapEntry& e) const;
  // A mailbox's name as Dovecot's storage knows it (and writes into the B
  // metadata): components as on disk (modified UTF-7 unless UTF8), joined
  // with '/' whatever the namespace separator; and back.
  std::string storage_name(const std::string& name) const;
  std::string virtual_name(const std::string& storage_name) const;
  // Every mailbox name (virtual) that has a dbox-Mails dir.
  std::vector<std::string> all_mailbox_names() const;
  // Records that `mailbox` ("" for the map only) changed, so Dovecot's
  // index files get rewritten when this storage is closed.
  void mark_changed(const std::string& mailbox);
  // Writes Dovecot's dovecot.map.index and the changed mailboxes'
  // dovecot.index (+ empty logs) from Roost's state (mdbox_export.cpp).
  void export_dovecot_indexes();

 private:
  friend class MdboxPurge;
  std::string disk_path(const std::string& name) const;  // mailboxes/<disk name>
  std::string virtual_component(const std::string& disk) const;
  std::vector<MailboxInfo> scan_tree() const;
  void ensure_alt_link();
  std::string list_dir_path() const;  // where roost-deleted-mailboxes lives
  void forget_dovecot_list_index();
  void import_dovecot_if_changed();
  std::string dovecot_signature() const;  // "" when Dovecot has no map index
  void import_dovecot(const std::string& signature);

  MailLocation location_;
  StorageSettings storage_settings_;
  MdboxSettings settings_;
  char separator_;
  std::unique_ptr<MdboxMap> map_;
  bool map_changed_ = false;
  bool rebuilt_ = false;
  std::set<std::string> changed_mailboxes_;
  std::shared_ptr<AttributeStore> attribute_store_;  // made on first open
};

// The ids of the m.<N> files in `dir` (ascending; other names skipped).
std::vector<uint32_t> mdbox_file_ids(const std::string& dir);
std::string mdbox_file_name(uint32_t file_id);

// "10M", "10 M", "2048k", "1G", plain bytes; throws kExitConfig.
uint64_t parse_mdbox_size(const std::string& text, const std::string& key);
// "0", "1d", "12h", "30 mins", plain seconds; throws kExitConfig.
int64_t parse_mdbox_interval(const std::string& text, const std::string& key);

}  // namespace roost
