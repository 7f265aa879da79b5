// sync [-1fR] [-l secs] [-m mailbox] [-x mask] [-n ns] [-s state] [--dry-run] <location>
// backup [-fR] [...] <location>
#include "cli/dsync_command.hpp"
#include "cli/verbs/verbs.hpp"

namespace roost::cli {

int verb_sync(CommandContext& ctx) {
  return run_dsync_verb(ctx, "sync", false);
}
int verb_backup(CommandContext& ctx) {
  return run_dsync_verb(ctx, "backup", true);
}

int verb_dsync_server_cmd(CommandContext& ctx) {
  return verb_dsync_server(ctx);
}

}  // namespace roost::cli
