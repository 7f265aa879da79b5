#pragma once
#include <functional>

#include "dsync/dsync_brain.hpp"

namespace roost::dsync {

enum class ChannelKind { kInProcess, kByteStream };

// Runs a master brain on `master` and a slave brain on `slave` in this
// process, each on its own thread, connected by an in-process channel or by
// a byte stream (a socket pair carrying the dsync wire format). Returns the
// master's result with the slave's dry-run plan under "peer". Throws the
// first side's error.
BrainResult run_local_sync(MailStorage& master, MailStorage& slave, const BrainSettings& settings,
                           ChannelKind kind = ChannelKind::kInProcess);

// run_local_sync until nothing is left for another pass: UID spaces that
// converge in two steps, and mailboxes that changed during the run (those
// get up to `max_passes` re-syncs; what still changes stays in
// changed_mailboxes, for exit code 2). The dry-run plan is the first pass's.
BrainResult sync_until_settled(MailStorage& master, MailStorage& slave,
                               const BrainSettings& settings,
                               ChannelKind kind = ChannelKind::kInProcess, int max_passes = 4);
// The same loop around any way of running one pass (e.g. a remote peer).
BrainResult settle(const BrainSettings& settings,
                   const std::function<BrainResult(const BrainSettings&)>& run_pass,
                   int max_passes = 4);

}  // namespace roost::dsync
