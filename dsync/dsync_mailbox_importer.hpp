#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dsync/dsync_direction.hpp"
#include "dsync/dsync_item.hpp"
#include "formats/model/flags.hpp"

namespace roost::dsync {

// One message as a side announced it (from its C items).
struct MessageEntry {
  uint32_t uid = 0;
  std::string guid;
  std::string key;  // what identifies the mail across sides: GUID or header hash
  uint64_t modseq = 0;
  MessageFlags flags;
};

// One side's view of a mailbox: its B item and every message it holds.
struct SideList {
  MailboxItem box;
  std::vector<MessageEntry> messages;  // ascending UID
  std::vector<MailChange> expunges;    // 'e' changes it remembers
  // This side's HIGHESTMODSEQ right after the last sync (from the state);
  // 0 = unknown. A message with a higher modseq changed since.
  uint64_t synced_modseq = 0;
  // The list holds only what changed since the state (incremental): a UID
  // up to common_uid that isn't listed is unchanged on that side.
  bool partial = false;
  uint32_t common_uid = 0;
};

// What one side does to its copy of the mailbox.
struct SavePlan {
  uint32_t target_uid = 0;  // 0: the next free UID
  bool from_remote = true;  // else: a copy of the local `source_uid`
  uint32_t source_uid = 0;
  std::string guid;
  MessageFlags flags;
};

struct MailboxPlan {
  // Before anything else: expunge every message and start UID space
  // `set_uidvalidity` (backup into a destination whose UIDs can't match).
  bool reset_uids = false;
  uint32_t set_uidvalidity = 0;  // without reset: adopt it (mailbox is empty)
  std::vector<SavePlan> saves;   // in the order to save them
  std::vector<uint32_t> expunges;
  std::vector<std::pair<uint32_t, MessageFlags>> flag_sets;
  uint32_t min_uidnext = 0;  // afterwards
  // The UID spaces differ and will converge only on another pass (after this
  // one gave each side the other's mails).
  bool another_pass = false;
  bool empty() const {
    return !reset_uids && set_uidvalidity == 0 && saves.empty() && expunges.empty() &&
           flag_sets.empty();
  }
};

// Message sync (dsync-protocol.md §7), pure and deterministic: the master
// and the slave each compute their own half from the same two lists.
// Two-way with equal UIDVALIDITY: mails are paired by UID and compared by
// key; both sides' different mails at one UID (a conflict) both get fresh
// UIDs above both UIDNEXTs, in the same order on both sides; a mail on one
// side only is copied at its UID when that UID is free on the other side,
// else renumbered; expunges travel by UID+key; flags: the higher modseq
// wins, the master on ties (with a state: the side that changed the message
// since the last sync wins; the modseq rule only decides when both did).
// Different UIDVALIDITYs: one side adopts the other's UID space (the one
// that can, else the one with fewer mails): once it holds no mail the other
// lacks, it starts over with the other's UIDs; until then mails are merged
// by key and another pass is asked for. Different UIDVALIDITYs: mails are merged by key
// and the side with fewer mails adopts the other's UIDVALIDITY when empty.
// Backup: the destination becomes the source (same UIDs when it can reset
// its UID space, else same content). One-way: the destination gains the
// source's mails and flags but loses nothing.
MailboxPlan plan_mailbox(const SideList& local, const SideList& remote, bool local_is_master,
                         Direction dir);

// Keyword changes ("=kw" entries) <-> flags.
MessageFlags flags_of_change(const MailChange& c);
void put_flags(MailChange& c, const MessageFlags& f);

}  // namespace roost::dsync
