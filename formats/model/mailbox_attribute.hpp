#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lib/guid.hpp"

namespace roost {

// Mailbox attributes (RFC 5464 METADATA, as Dovecot stores them): a
// private (per user) or shared entry under a key such as "comment" or
// "specialuse". Deletes are kept as tombstones (`deleted`, empty value) so a
// sync carries them to a peer that still has the attribute.
enum class AttributeType : uint8_t { kPrivate, kShared };

struct MailboxAttribute {
  AttributeType type = AttributeType::kPrivate;
  std::string key;  // without the "/private/" or "/shared/" prefix
  std::string value;
  int64_t last_change = 0;  // unix seconds; 0 = unknown
  uint64_t modseq = 0;      // the store's change counter when it last changed; 0 = unknown
  bool deleted = false;
  // attribute_state_hash() of the value both sides of the last sync agreed
  // on (0 = unknown). Tells, against a peer that keeps no change times
  // (Dovecot), which side changed it since.
  uint64_t synced_hash = 0;
};

// A hash of what the attribute holds: its value, or "deleted".
uint64_t attribute_state_hash(const MailboxAttribute& attr);

// The attribute holding a mailbox's special-use flags ("\Sent \Archive"):
// METADATA name /private/specialuse, as Dovecot names it.
inline constexpr const char* kSpecialUseAttribute = "specialuse";

// "/private/comment" -> {kPrivate, "comment"}; "/shared/x" -> {kShared, "x"}.
// Throws Error(kExitUsage) naming the accepted forms for anything else.
std::pair<AttributeType, std::string> parse_attribute_name(const std::string& name);
// The METADATA name of an attribute ("/private/" or "/shared/" + key).
std::string attribute_name(AttributeType type, const std::string& key);

// Where a driver keeps attributes: one store per mail storage, entries
// keyed by mailbox GUID. formats/list has the shared implementation.
class AttributeStore {
 public:
  virtual ~AttributeStore() = default;
  // The mailbox's attributes, tombstones included, sorted by (type, key).
  virtual std::vector<MailboxAttribute> list(const Guid128& mailbox) = 0;
  // True when no mailbox has any attribute (lets callers skip the mailbox
  // GUID lookup).
  virtual bool empty() = 0;
  // Stores `attr` (a tombstone when attr.deleted). last_change 0 means now;
  // the store assigns the modseq. Durable once it returns.
  virtual void set(const Guid128& mailbox, const MailboxAttribute& attr) = 0;
  // Records that a sync left both sides holding `agreed` (each entry's
  // current value, or its deletion): sets their synced_hash. Entries whose
  // value changed meanwhile are left alone.
  virtual void mark_synced(const Guid128& mailbox, const std::vector<MailboxAttribute>& agreed) = 0;
};

}  // namespace roost
