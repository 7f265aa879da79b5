#pragma once
#include <string>
#include <vector>

#include "dsync/dsync_brain.hpp"

namespace roost::dsync {

// Runs the master brain on `local` against a slave started as a command
// (`ssh host roost dsync-server -u user`, or any program speaking dsync on
// its stdin/stdout), as `doveadm sync <command>` does: "dsync-server" is
// appended unless the command already ends with it. The command's stderr is
// passed through. A failing command makes the run a temporary failure (75).
BrainResult run_remote_sync(MailStorage& local, std::vector<std::string> command,
                            const BrainSettings& settings);

}  // namespace roost::dsync
