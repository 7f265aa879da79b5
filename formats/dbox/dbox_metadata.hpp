#pragma once
// The metadata block after each message body in a dbox file:
// "\n\x01\x03\n", then lines "<key><value>\n", then an empty line. Pure.
//
// Fields are kept in file order with their exact values, so a block read
// from one file and written into another (copy, purge) is unchanged,
// unknown keys and duplicates included. The typed accessors read the first
// field with a key, as Dovecot does.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

constexpr std::string_view kDboxMagicPost = "\n\x01\x03\n";

// Keys Dovecot 2.3 writes or knows.
namespace dbox_key {
constexpr char kGuid = 'G';
constexpr char kPop3Uidl = 'P';
constexpr char kPop3Order = 'O';
constexpr char kReceivedTime = 'R';
constexpr char kPhysicalSize = 'Z';
constexpr char kVirtualSize = 'V';
constexpr char kExtRefs = 'X';
constexpr char kOrigMailbox = 'B';
constexpr char kOldSaveTime = 'S';  // v1 files only; Dovecot 2.3 never writes it
}  // namespace dbox_key

struct DboxMetadataField {
  char key = 0;
  std::string value;
  bool operator==(const DboxMetadataField&) const = default;
};

class DboxMetadata {
 public:
  std::vector<DboxMetadataField> fields;

  const std::string* find(char key) const;
  // Replaces the first field with `key`, or inserts it where Dovecot's
  // writer puts it (Z R V P O G B X, other keys last).
  void set(char key, std::string value);
  void erase(char key);

  // Typed views; nullopt when absent or not a valid number.
  std::string guid() const;  // "" when absent
  std::optional<int64_t> received_time() const;
  std::optional<int64_t> save_time() const;
  std::optional<uint64_t> virtual_size() const;
  std::optional<uint64_t> physical_size() const;
  std::string pop3_uidl() const;
  std::optional<uint32_t> pop3_order() const;
  std::optional<std::string> orig_mailbox() const;
  std::string ext_refs() const;  // X verbatim ("" when absent)

  void set_guid(const std::string& guid) { set(dbox_key::kGuid, guid); }
  void set_received_time(int64_t t);
  void set_virtual_size(uint64_t v);
  void set_physical_size(uint64_t v);
  void set_pop3_uidl(const std::string& uidl) { set(dbox_key::kPop3Uidl, uidl); }
  void set_pop3_order(uint32_t order) { set(dbox_key::kPop3Order, std::to_string(order)); }
  // Not stored when the name contains CR or LF (it couldn't be read back).
  void set_orig_mailbox(const std::string& name);

  bool operator==(const DboxMetadata&) const = default;
};

struct DboxMetadataParse {
  enum Status { kComplete, kNeedMore } status = kNeedMore;
  DboxMetadata metadata;
  size_t consumed = 0;  // bytes of the whole block (magic .. empty line)
};

// Parses the block starting at `data[0]` (the magic). kNeedMore when the
// data ends before the terminating empty line (read more and call again).
// Throws Error(kExitDataErr) naming `name` and `offset` when the magic is
// wrong or a value isn't a line.
DboxMetadataParse parse_dbox_metadata(std::string_view data, const std::string& name,
                                      uint64_t offset);

// The whole block: magic, the fields in order, the empty line. Values
// containing LF are refused with Error(kExitDataErr).
std::string format_dbox_metadata(const DboxMetadata& metadata);

}  // namespace roost
