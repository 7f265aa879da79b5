#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dsync/dsync_compact_flags.hpp"
#include "dsync/dsync_compact_key.hpp"
#include "dsync/dsync_direction.hpp"
#include "dsync/dsync_item.hpp"
#include "dsync/dsync_string_arena.hpp"
#include "formats/model/flags.hpp"

namespace roost::dsync {

// One message as a side announced it (from its C items), compact: its
// GUID lives in the list's arena, its key is 16 bytes, its keywords a
// number in the list's keyword table.
struct MessageEntry {
  uint32_t uid = 0;
  StringArena::Ref guid;
  MailKey key;  // what identifies the mail across sides: GUID or header hash
  uint64_t modseq = 0;
  CompactFlags flags;
};

// An expunge a side remembers ('e' change), as keys.
struct ExpungeEntry {
  uint32_t uid = 0;
  MailKey guid;  // empty: unknown
  MailKey hdr;   // the header key recorded with it; empty: none
};

// One side's view of a mailbox: its B item and every message it holds.
struct SideList {
  MailboxItem box;
  std::vector<MessageEntry> messages;  // ascending UID
  std::vector<ExpungeEntry> expunges;  // ascending UID
  StringArena strings;                 // the messages' GUIDs
  KeywordSets keywords;
  // This side's HIGHESTMODSEQ right after the last sync (from the state);
  // 0 = unknown. A message with a higher modseq changed since.
  uint64_t synced_modseq = 0;
  // The list holds only what changed since the state (incremental): a UID
  // up to common_uid that isn't listed is unchanged on that side.
  bool partial = false;
  uint32_t common_uid = 0;

  std::string_view guid(const MessageEntry& m) const { return strings.view(m.guid); }
  void add(uint32_t uid, std::string_view guid, const MailKey& key, uint64_t modseq,
           const MessageFlags& flags) {
    messages.push_back({uid, strings.add(guid), key, modseq, keywords.add(flags)});
  }
  // Sorts both lists by UID when a peer sent them out of order.
  void sort();
};

// What one side does to its copy of the mailbox: the mail `entry` of the
// remote's list (from_remote) or of the local one (a copy of a local mail).
struct SavePlan {
  uint32_t target_uid = 0;  // 0: the next free UID
  bool from_remote = true;
  uint32_t source_uid = 0;
  uint32_t entry = 0;  // index into that side's messages
};

struct MailboxPlan {
  // Before anything else: expunge every message and start UID space
  // `set_uidvalidity` (backup into a destination whose UIDs can't match).
  bool reset_uids = false;
  uint32_t set_uidvalidity = 0;  // without reset: adopt it (mailbox is empty)
  std::vector<SavePlan> saves;   // in the order to save them
  std::vector<uint32_t> expunges;
  // (UID, the index of the remote message whose flags it takes)
  std::vector<std::pair<uint32_t, uint32_t>> flag_sets;
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
// The plan refers to both lists' messages by index: they outlive it.
// Both lists are walked once side by side in UID order; what pairs mails
// across UIDs (keys) is looked up in sorted 20-byte (key, UID) tables.
MailboxPlan plan_mailbox(const SideList& local, const SideList& remote, bool local_is_master,
                         Direction dir);

// Keyword changes ("=kw" entries) <-> flags.
MessageFlags flags_of_change(const MailChange& c);
void put_flags(MailChange& c, const MessageFlags& f);

}  // namespace roost::dsync
