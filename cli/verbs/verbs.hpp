#pragma once
// One function per verb; cli/verb_table.cpp lists them with their usage.
#include "cli/command.hpp"

namespace roost::cli {
int verb_mailbox_list(CommandContext& ctx);
int verb_mailbox_create(CommandContext& ctx);
int verb_mailbox_delete(CommandContext& ctx);
int verb_mailbox_rename(CommandContext& ctx);
int verb_mailbox_subscribe(CommandContext& ctx);
int verb_mailbox_unsubscribe(CommandContext& ctx);
int verb_mailbox_status(CommandContext& ctx);
int verb_mailbox_mutf7(CommandContext& ctx);
int verb_mailbox_metadata_set(CommandContext& ctx);
int verb_mailbox_metadata_unset(CommandContext& ctx);
int verb_mailbox_metadata_get(CommandContext& ctx);
int verb_mailbox_metadata_list(CommandContext& ctx);
int verb_save(CommandContext& ctx);
int verb_fetch(CommandContext& ctx);
int verb_search(CommandContext& ctx);
int verb_flags_add(CommandContext& ctx);
int verb_flags_remove(CommandContext& ctx);
int verb_flags_replace(CommandContext& ctx);
int verb_expunge(CommandContext& ctx);
int verb_deduplicate(CommandContext& ctx);
int verb_sync(CommandContext& ctx);
int verb_backup(CommandContext& ctx);
int verb_import(CommandContext& ctx);
int verb_dsync_server_cmd(CommandContext& ctx);
int verb_copy(CommandContext& ctx);
int verb_move(CommandContext& ctx);
int verb_force_resync(CommandContext& ctx);
int verb_purge(CommandContext& ctx);
int verb_altmove(CommandContext& ctx);
int verb_index(CommandContext& ctx);
int verb_verify(CommandContext& ctx);
int verb_user(CommandContext& ctx);
int verb_config(CommandContext& ctx);
int verb_help(CommandContext& ctx);
}  // namespace roost::cli
