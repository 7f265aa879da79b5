#pragma once
#include <cstdint>
#include <vector>

#include "dsync/dsync_direction.hpp"
#include "formats/model/mailbox_attribute.hpp"

namespace roost::dsync {

// Mailbox-attribute planning for one mailbox, pure.
//
// Two-way: per (type, key) the newer last_change wins; on equal times a
// value beats a tombstone, equal values need nothing, then the higher
// modseq, then the greater value (both sides pick the same one). A peer
// that keeps no change times (Dovecot sends none) is judged against the
// value both sides agreed on in the last sync (synced_hash): the side that
// changed it since wins; what that peer no longer has but was agreed on was
// deleted there. Backup: the destination's set becomes the source's (what
// the source lacks is deleted). One-way: the destination only adds what it
// lacks. The source of a backup or one-way run stores nothing.

// What this side sends: all its attributes (with tombstones), except, in a
// two-way sync with a peer that isn't Roost, those unchanged since the last
// agreed state (the peer has them, or changed them and must win). A peer
// that isn't Roost never gets /private/specialuse (Dovecot refuses it).
std::vector<MailboxAttribute> attributes_to_send(const std::vector<MailboxAttribute>& local,
                                                 bool peer_is_roost, const Direction& dir);

struct AttributePlan {
  std::vector<MailboxAttribute> store;   // to store on this side (winner's last_change)
  std::vector<MailboxAttribute> agreed;  // what both sides hold afterwards (mark synced)
};

// `received`: the peer's list arrived (`remote`); `sent`: what this side sent.
AttributePlan plan_attributes(const std::vector<MailboxAttribute>& local,
                              const std::vector<MailboxAttribute>& remote,
                              const std::vector<MailboxAttribute>& sent, bool received,
                              bool peer_is_roost, bool master, const Direction& dir);

// A digest of the live attributes (type, key, value), for "both sides hold
// the same attributes" without exchanging them.
uint64_t attributes_digest(const std::vector<MailboxAttribute>& attrs);

}  // namespace roost::dsync
