#pragma once
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

}  // namespace roost::dsync
