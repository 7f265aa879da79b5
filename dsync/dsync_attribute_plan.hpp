#pragma once
#include <cstdint>
#include <vector>

#include "dsync/dsync_direction.hpp"
#include "formats/model/mailbox_attribute.hpp"

namespace roost::dsync {

// Mailbox-attribute planning for one mailbox, pure: given this side's
// attributes and the peer's (both with tombstones), what this side stores.
// Two-way: per (type, key) the newer last_change wins; on equal times a
// value beats a tombstone, equal values need nothing, then the higher
// modseq, then the greater value (both sides pick the same one).
// Backup: the destination's set becomes the source's (what the source
// lacks is deleted). One-way: the destination only adds what it lacks.
// The source of a backup or one-way run stores nothing. Each returned
// attribute keeps the winner's last_change; deleted ones are tombstones.
std::vector<MailboxAttribute> plan_attributes(const std::vector<MailboxAttribute>& local,
                                              const std::vector<MailboxAttribute>& remote,
                                              bool master, const Direction& dir);

// A digest of the live attributes (type, key, value), for "both sides hold
// the same attributes" without exchanging them.
uint64_t attributes_digest(const std::vector<MailboxAttribute>& attrs);

}  // namespace roost::dsync
