#pragma once
#include <string>

#include "dsync/dsync_state.hpp"
#include "formats/model/location.hpp"

namespace roost::dsync {

// The state a master keeps per peer after a successful run, so a later run
// without -s (and without -f) is incremental as if the state string had
// been given: `.roost-dsync-state.<hash of the peer>` in the local store's
// index root (INDEX=, else the mail root). The brain ignores an entry whose
// mailbox GUID or UIDVALIDITY no longer matches, so a stale file costs a
// full compare of that mailbox, never a wrong result.
std::string peer_state_path(const MailLocation& local, const std::string& peer);

// The saved state; empty when there is none or it can't be read (then the
// run compares everything, as a first run does).
StateMap load_peer_state(const std::string& path);

// Writes `previous` updated with `fresh` (a run limited by -m/-x keeps the
// other mailboxes' entries), atomically: a crash leaves the old file or
// the new one.
void save_peer_state(const std::string& path, const StateMap& previous, const StateMap& fresh);

}  // namespace roost::dsync
