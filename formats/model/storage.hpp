#pragma once
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/model/flags.hpp"
#include "formats/model/location.hpp"
#include "formats/model/mailbox_attribute.hpp"
#include "formats/model/message.hpp"
#include "lib/guid.hpp"

namespace roost {

// The format-neutral storage model. Every driver (maildir, mbox, sdbox,
// mdbox, imapc) implements these four interfaces; everything above
// (CLI verbs, dsync, the servers) talks to storage only through them.
//
// Mailbox names given to and returned by these interfaces are "virtual
// names": UTF-8, hierarchy joined with MailStorage::separator(). The driver
// maps them to its on-disk names (modified UTF-7, '.'-joined Maildir++ ...).
// "INBOX" is always spelled INBOX.

struct MailboxStatus {
  uint32_t messages = 0;
  uint32_t recent = 0;
  uint32_t unseen = 0;
  uint32_t uidvalidity = 0;
  uint32_t uidnext = 0;
  uint32_t first_unseen_seq = 0;
  uint64_t highest_modseq = 0;
  uint64_t vsize = 0;  // sum of virtual sizes
  Guid128 guid;
};

// One entry of a mailbox listing.
struct MailboxInfo {
  std::string name;       // virtual name
  bool selectable = true; // false: exists only as a parent of others (\NoSelect)
  bool has_children = false;
  bool subscribed = false;
  std::string special_use;  // "\\Sent", ... as configured/stored ("" if none)
};

// What dsync may change on an existing mailbox (Mailbox::update). Zero/empty
// fields stay as they are.
struct MailboxUpdate {
  Guid128 guid;              // give the mailbox this GUID
  uint32_t uidvalidity = 0;  // start this UID space; existing mail keeps its UIDs
  // Raise UIDNEXT to at least this. With a new `uidvalidity` UIDNEXT becomes
  // max(min_uidnext, highest existing UID + 1): a fresh UID space may start
  // below the old UIDNEXT.
  uint32_t min_uidnext = 0;
};

// A mailbox this storage deleted, remembered so a sync doesn't bring it
// back from a peer that still has it.
struct DeletedMailbox {
  Guid128 guid;
  int64_t timestamp = 0;  // unix seconds
};

// A mailbox-list change a storage remembers with its time (beside its
// deleted mailboxes), so a two-way sync lets the newer of two conflicting
// changes win.
struct MailboxListChange {
  enum class Kind : char { kRename = 'R', kSubscribe = 'S', kUnsubscribe = 'U' };
  Kind kind = Kind::kRename;
  Guid128 guid;           // kRename: the mailbox renamed
  std::string name;       // kSubscribe/kUnsubscribe: the virtual name
  int64_t timestamp = 0;  // unix seconds
};

struct SaveRequest {
  MessageFlags flags;
  int64_t received_date = 0;  // 0: now
  int64_t save_date = 0;      // 0: now
  std::string guid;           // "" : driver generates one
  uint32_t uid = 0;           // 0: next free UID; else keep this UID (dsync/migration)
  std::string pop3_uidl;
  uint32_t pop3_order = 0;
};

class Mailbox;

class MailTransaction {
 public:
  virtual ~MailTransaction() = default;
  // Saves a message read from `message` (raw RFC 5322 bytes, LF or CRLF).
  // Returns the UID it got (final once commit() returns).
  virtual uint32_t save(std::istream& message, const SaveRequest& req) = 0;
  // Saves a copy of `source`'s message `rec` (flags etc. from `req`).
  // Formats that can share one stored copy between mailboxes (mdbox) only
  // add a reference; the default streams the bytes through save().
  virtual uint32_t copy(Mailbox& source, const MessageRecord& rec, const SaveRequest& req);
  virtual void update_flags(uint32_t uid, FlagOp op, const MessageFlags& flags) = 0;
  virtual void expunge(uint32_t uid) = 0;
  // Marks a message for the ALT storage (or back to the primary one);
  // MailStorage::purge() then moves the bytes (doveadm altmove). Formats
  // without ALT storage ignore it.
  virtual void set_alt_storage(uint32_t uid, bool alt);
  // Makes every change durable and visible, or throws with nothing applied
  // that a reader could see half-done.
  virtual void commit() = 0;
  virtual void rollback() = 0;
};

class Mailbox {
 public:
  virtual ~Mailbox() = default;
  virtual const std::string& name() const = 0;
  virtual MailboxStatus status() = 0;
  // Picks up changes made on disk by others (MTA deliveries, other writers).
  virtual void sync() = 0;
  // All messages in UID order (sequence number = position + 1).
  virtual const std::vector<MessageRecord>& messages() = 0;
  // Messages whose modseq > `modseq`, in UID order.
  virtual std::vector<MessageRecord> changed_since(uint64_t modseq) = 0;
  virtual std::vector<ExpungeRecord> expunged_since(uint64_t modseq) = 0;
  // Opens the full raw message of `uid` (streamed; never required to fit in
  // memory). Throws Error(kExitNotFound) when the message is gone.
  virtual std::unique_ptr<std::istream> open_message(uint32_t uid) = 0;
  // The header block of `uid`, up to and including the empty line that ends
  // it. Drivers with a header cache answer without opening the mail file.
  virtual std::string read_header(uint32_t uid);
  virtual std::unique_ptr<MailTransaction> begin() = 0;
  // Every keyword defined in the mailbox (also those no message has).
  virtual std::vector<std::string> keywords() = 0;
  // Rebuilds the index from the mail files, keeping every UID the format
  // records (doveadm force-resync).
  virtual void force_resync() = 0;
  // Changes the mailbox GUID / UIDVALIDITY / UIDNEXT (dsync keeps replicas'
  // UID spaces identical). Returns false when the driver can't: callers
  // then fall back to renumbering. Durable once it returns true.
  virtual bool update(const MailboxUpdate& change);
  virtual bool can_update() const { return false; }
  // True when SaveRequest::guid is kept as the saved message's GUID (else
  // the driver derives its own, e.g. mbox from the headers, as Dovecot
  // does). dsync and verify compare message GUIDs only between mailboxes
  // that both keep them.
  virtual bool can_save_guid() const { return false; }

  // Mailbox attributes (RFC 5464 METADATA). Drivers attach their storage's
  // AttributeStore; without one each call throws Error(kExitUnavailable).
  // attributes(): live ones (with_deleted: tombstones too), by (type, key).
  virtual std::vector<MailboxAttribute> attributes(bool with_deleted = false);
  virtual std::optional<MailboxAttribute> attribute(AttributeType type, const std::string& key);
  // Stores `attr` as given (attr.deleted: a tombstone; last_change 0: now)
  // and raises HIGHESTMODSEQ by one (raise_highest_modseq()).
  virtual void set_attribute(const MailboxAttribute& attr);
  // dsync: both sides hold `agreed` now (AttributeStore::mark_synced).
  virtual void mark_attributes_synced(const std::vector<MailboxAttribute>& agreed);
  void unset_attribute(AttributeType type, const std::string& key);
  virtual bool supports_attributes() const { return attribute_store_ != nullptr; }
  void attach_attribute_store(std::shared_ptr<AttributeStore> store) {
    attribute_store_ = std::move(store);
  }

 protected:
  // set_attribute()/unset_attribute() call it once the store holds the
  // change: HIGHESTMODSEQ goes up by one with no message changed, as
  // Dovecot counts an attribute update (also when the value stays the
  // same), so a sync holding a state sees the mailbox changed. Drivers that
  // attach an AttributeStore raise their index's modseq; durable once it
  // returns.
  virtual void raise_highest_modseq() {}

 private:
  AttributeStore& attribute_store();
  std::shared_ptr<AttributeStore> attribute_store_;
};

class MailStorage {
 public:
  virtual ~MailStorage() = default;
  virtual const MailLocation& location() const = 0;
  virtual char separator() const = 0;
  virtual std::vector<MailboxInfo> list_mailboxes() = 0;
  virtual bool mailbox_exists(const std::string& name) = 0;
  // guid empty: generate. Throws Error(kExitCantCreat...) if it exists.
  virtual void create_mailbox(const std::string& name, const Guid128& guid = {}) = 0;
  virtual void delete_mailbox(const std::string& name) = 0;
  virtual void rename_mailbox(const std::string& from, const std::string& to) = 0;
  virtual std::vector<std::string> subscriptions() = 0;
  virtual void set_subscribed(const std::string& name, bool subscribed) = 0;
  // Throws Error(kExitNotFound) when the mailbox doesn't exist.
  virtual std::unique_ptr<Mailbox> open_mailbox(const std::string& name) = 0;
  // Reclaims the space of expunged messages and carries out pending ALT
  // moves (doveadm purge). Nothing to do for formats that delete at once.
  virtual void purge() {}
  // Mailboxes deleted through this storage, oldest first (drivers without
  // such a log return none: a peer's copy then comes back on a two-way sync).
  virtual std::vector<DeletedMailbox> deleted_mailboxes() { return {}; }
  // Renames and subscription changes made through this storage, oldest
  // first (drivers without such a log return none: renames and
  // subscriptions then fall back to the master's/merged view).
  virtual std::vector<MailboxListChange> mailbox_list_changes() { return {}; }
};

// Driver registry: formats/storage_factory.cpp knows every driver; nothing
// else switches on the format name.
using StorageFactoryFn = std::function<std::unique_ptr<MailStorage>(const MailLocation&,
                                                                    const StorageSettings&)>;
void register_storage_driver(const std::string& format, StorageFactoryFn fn);
std::unique_ptr<MailStorage> open_storage(const MailLocation& location,
                                          const StorageSettings& settings);
std::vector<std::string> storage_driver_names();

// Checks a virtual mailbox name before it reaches a driver: rejects empty
// names, empty hierarchy levels, "." / ".." components, '/' when the
// separator isn't '/', control characters. Throws Error(kExitUsage) with the
// reason.
void validate_mailbox_name(const std::string& name, char separator);

}  // namespace roost
