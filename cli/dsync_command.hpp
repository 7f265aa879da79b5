#pragma once
#include "cli/command.hpp"
#include "dsync/dsync_direction.hpp"

namespace roost::cli {

// `sync` and `backup`: one dsync run per selected user between the user's
// mail and the destination mail location given as the positional argument.
// `one_way` is false for sync (two-way unless -1), true for backup.
int run_dsync_verb(CommandContext& ctx, const std::string& verb, bool backup);
// `dsync-server`: the slave side of a remote sync on stdin/stdout.
int verb_dsync_server(CommandContext& ctx);

}  // namespace roost::cli
