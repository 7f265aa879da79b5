#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "formats/model/storage.hpp"
#include "lib/guid.hpp"

namespace roost::dsync {

// The items two brains exchange, one struct per item of the dsync protocol
// (spec: dsync-protocol.md §4). Field names follow the wire keys.

// H: the master's settings (the slave sends only its host name).
struct Handshake {
  std::string hostname;
  char sync_type = 'c';  // 'f' full, 'c' changed, 's' state
  std::string sync_box;  // only this mailbox (virtual name)
  // -n/-N: the master's namespace prefixes (sync_ns_prefix, "\n"-joined on
  // the wire); the slave syncs the same namespaces of its user.
  std::vector<std::string> sync_namespaces;
  bool sync_visible_namespaces = false;  // -N
  std::vector<std::string> exclude_mailboxes;
  bool send_mail_requests = true;
  // Backup direction as the *receiver* of this item sees it: backup_recv =
  // "you are the destination", backup_send = "you are the source".
  bool backup_send = false;
  bool backup_recv = false;
  bool no_backup_overwrite = false;  // -1
  uint32_t lock_timeout = 0;
  std::string hashed_headers;  // tab-terminated names
  // Roost's own key: the sender is Roost (Dovecot neither sends nor reads
  // it), so a master knows which mailbox-skipping rules its slave follows.
  bool roost = false;
};

// S: per-mailbox sync state (in the -s state string and after each mailbox).
struct MailboxState {
  Guid128 mailbox_guid;
  uint32_t last_uidvalidity = 0;
  uint32_t last_common_uid = 0;
  uint64_t last_common_modseq = 0;
  uint64_t last_common_pvt_modseq = 0;
  uint32_t last_messages_count = 0;
  bool changes_during_sync = false;
};

// N: one mailbox of the sender's tree.
struct TreeNode {
  std::vector<std::string> name;  // hierarchy levels
  char existence = 'y';           // 'y' exists, 'n' only a parent, 'd' deleted
  Guid128 mailbox_guid;
  uint32_t uid_validity = 0;
  uint32_t uid_next = 0;
  int64_t last_renamed_or_created = 0;
  bool subscribed = false;
  int64_t last_subscription_change = 0;
};

// D: the sender's deleted mailboxes.
struct MailboxDeletes {
  char hierarchy_sep = '/';
  std::string escape_char;
  std::vector<DeletedMailbox> mailboxes;
};

// B: one mailbox's counters, starting its exchange.
struct MailboxItem {
  Guid128 mailbox_guid;
  uint32_t uid_validity = 0;
  uint32_t uid_next = 0;
  uint32_t messages_count = 0;
  uint32_t first_recent_uid = 0;
  uint64_t highest_modseq = 0;
  uint64_t highest_pvt_modseq = 0;
  bool mailbox_lost = false;
  bool mailbox_ignore = false;
  bool have_guids = true;
  bool have_save_guids = false;
  // Roost's own key: the sender can change this mailbox's UIDVALIDITY
  // (Mailbox::can_update), so the two sides agree who adopts whose.
  bool can_update = false;
  // Roost's own key: a digest of the sender's live mailbox attributes
  // (attributes_digest), so a mailbox unchanged since the state is still
  // exchanged when only its attributes differ. Absent from other peers.
  bool has_attr_digest = false;
  uint64_t attr_digest = 0;
};

// A: one mailbox attribute (a tombstone when `deleted`) of the mailbox
// being exchanged; the attribute list precedes the mail changes.
using MailboxAttributeItem = roost::MailboxAttribute;

// C: one message (type 's') or expunge ('e') or flag change ('f').
struct MailChange {
  char type = 's';
  uint32_t uid = 0;
  std::string guid;
  std::string hdr_hash;  // set when the sender computed one
  uint64_t modseq = 0;
  uint8_t add_flags = 0;
  uint8_t remove_flags = 0;
  uint8_t final_flags = 0;
  bool keywords_reset = false;
  // "=kw" (final), "+kw", "-kw", "&kw" (added and final).
  std::vector<std::string> keyword_changes;
};

// R: "send me this mail".
struct MailRequest {
  std::string guid;
  uint32_t uid = 0;
};

// M: one mail with its body.
struct Mail {
  std::string guid;
  uint32_t uid = 0;
  std::string pop3_uidl;
  uint32_t pop3_order = 0;
  int64_t received_date = 0;
  int64_t saved_date = 0;
  bool has_body = false;
  std::string body;  // raw bytes (a mail is read whole once on each side)
};

// F: the slave is finished.
struct Finish {
  std::string error;
  int mail_error = 0;
  bool require_full_resync = false;
};

struct EndOfList {};  // "."
struct Done {};       // "X"
struct Skipped {};    // an item Roost doesn't use (cache fields); channels drop it

using Item =
    std::variant<Handshake, MailboxState, TreeNode, MailboxDeletes, MailboxItem, MailChange,
                 MailRequest, Mail, Finish, EndOfList, Done, Skipped, MailboxAttributeItem>;

const char* item_name(const Item& item);

}  // namespace roost::dsync
