#pragma once
#include <optional>

#include "dsync/dsync_item.hpp"

namespace roost::dsync {

// The -s state as a Dovecot peer reads it, and Dovecot's rules for which
// mailboxes a run exchanges (dsync-protocol.md §8). Pure.
//
// Dovecot keeps ONE last_common_modseq valid on both sides: each side's
// HIGHESTMODSEQ is at least what it announced (its importer even raises it
// to the peer's announced value), so the lower of the two announced values
// is below both sides' counters and every later change lies above it.
// last_common_pvt_modseq is the private-index modseq (0: Roost has no
// private flags). A Dovecot side whose counters are below the state's
// refuses an incremental run and asks for a full one.

// Whether a master's mailbox is unchanged since `state` (then a Dovecot
// master neither announces nor syncs it). `own`: its B item now.
bool unchanged_since_state(const MailboxState& state, const MailboxItem& own);

// Dovecot's dsync_boxes_need_sync for a changes-only ('c') run: whether two
// announced mailboxes differ in any counter. Both Dovecot brains skip the
// mailbox when they don't, so a Roost master facing one must too.
bool boxes_differ(const MailboxItem& a, const MailboxItem& b);

// The state a master records after syncing a mailbox with a Dovecot slave.
// `master_after`: its B item after the sync; `slave_announced`: the slave's
// B item; `slave_state`: the slave's mailbox state (its last_common_* are
// what it took from the master's announcement).
MailboxState dovecot_common_state(const MailboxItem& master_after,
                                  const MailboxItem& slave_announced,
                                  const MailboxState& slave_state);

}  // namespace roost::dsync
