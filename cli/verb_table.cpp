#include "cli/command.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"

namespace roost::cli {

const std::vector<Verb>& verb_table() {
  static const std::vector<Verb> verbs = {
      {"mailbox list", "[-u <user>|-A|-F <file>] [-7|-8] [-s] [<mailbox mask>...]",
       "list mailboxes (-s: subscribed only)", verb_mailbox_list},
      {"mailbox create", "[-u <user>|-A|-F <file>] [-s] [-g <guid>] <mailbox>...",
       "create mailboxes (-s: also subscribe)", verb_mailbox_create},
      {"mailbox delete", "[-u <user>|-A|-F <file>] [-e] [-r] [-s] <mailbox>...",
       "delete mailboxes (-r: with children, -e: only if empty, -s: unsubscribe)",
       verb_mailbox_delete},
      {"mailbox rename", "[-u <user>|-A|-F <file>] [-s] <old name> <new name>",
       "rename a mailbox and its children", verb_mailbox_rename},
      {"mailbox subscribe", "[-u <user>|-A|-F <file>] <mailbox>...", "subscribe to mailboxes",
       verb_mailbox_subscribe},
      {"mailbox unsubscribe", "[-u <user>|-A|-F <file>] <mailbox>...", "unsubscribe from mailboxes",
       verb_mailbox_unsubscribe},
      {"mailbox status", "[-u <user>|-A|-F <file>] [-t] <fields> <mailbox mask>...",
       "show mailbox status (fields: all messages recent uidnext uidvalidity unseen "
       "highestmodseq vsize guid firstsaved)",
       verb_mailbox_status},
      {"mailbox mutf7", "[-7|-8] <name>...", "convert mailbox names UTF-8 <-> modified UTF-7",
       verb_mailbox_mutf7},
      {"mailbox metadata set", "[-u <user>|-A|-F <file>] [-s] <mailbox> <key> <value>",
       "set a mailbox attribute (key /private/... or /shared/...; -s: server metadata)",
       verb_mailbox_metadata_set},
      {"mailbox metadata unset", "[-u <user>|-A|-F <file>] [-s] <mailbox> <key>",
       "remove a mailbox attribute", verb_mailbox_metadata_unset},
      {"mailbox metadata get", "[-u <user>|-A|-F <file>] [-s] <mailbox> <key>",
       "print a mailbox attribute's value", verb_mailbox_metadata_get},
      {"mailbox metadata list", "[-u <user>|-A|-F <file>] [-s] [-p] <mailbox> [<key prefix>]",
       "list a mailbox's attribute keys (-p: with /private or /shared)",
       verb_mailbox_metadata_list},
      {"save", "[-u <user>|-A|-F <file>] [-m <mailbox>]",
       "save a message read from standard input", verb_save},
      {"fetch", "[-u <user>|-A|-F <file>] <fields> <search query>",
       "print fields of matching messages", verb_fetch},
      {"search", "[-u <user>|-A|-F <file>] <search query>",
       "print mailbox-guid and uid of matching messages", verb_search},
      {"flags add", "[-u <user>|-A|-F <file>] <flags> <search query>",
       "add flags/keywords to matching messages", verb_flags_add},
      {"flags remove", "[-u <user>|-A|-F <file>] <flags> <search query>",
       "remove flags/keywords from matching messages", verb_flags_remove},
      {"flags replace", "[-u <user>|-A|-F <file>] <flags> <search query>",
       "replace the flags/keywords of matching messages", verb_flags_replace},
      {"expunge", "[-u <user>|-A|-F <file>] [-d] <search query>",
       "expunge matching messages (the query must name a mailbox; -d: delete the mailbox if "
       "left empty)",
       verb_expunge},
      {"deduplicate", "[-u <user>|-A|-F <file>] [-m] <search query>",
       "expunge duplicates within each mailbox, keeping the lowest UID (by message GUID, or "
       "by Message-ID with -m)",
       verb_deduplicate},
      {"copy", "[-u <user>|-A|-F <file>] <destination> [user <source user>] <search query>",
       "copy matching messages to a mailbox", verb_copy},
      {"move", "[-u <user>|-A|-F <file>] <destination> [user <source user>] <search query>",
       "move matching messages to a mailbox", verb_move},
      {"sync",
       "[-u <user>|-A|-F <file>] [-1fRv] [-l <secs>] [-m <mailbox>] [-x <mask>] [-n <ns>] "
       "[-s <state>] [--dry-run] [--[no-]progress] <destination location>",
       "two-way sync with another mail location (dsync)", verb_sync},
      {"backup",
       "[-u <user>|-A|-F <file>] [-fRv] [-l <secs>] [-m <mailbox>] [-x <mask>] [-n <ns>] "
       "[-s <state>] [--dry-run] [--[no-]progress] <destination location>",
       "make the destination an exact copy (-R: restore from it)", verb_backup},
      {"dsync-server", "[-u <user>] [-U]",
       "the remote side of sync/backup (speaks dsync on stdin/stdout)", verb_dsync_server_cmd},
      {"import",
       "[-u <user>|-A|-F <file>] [-s] [--[no-]progress] <source location> <parent folder> "
       "<search query>",
       "copy matching mail from another mail location into the user's mailboxes", verb_import},
      {"force-resync", "[-u <user>|-A|-F <file>] <mailbox mask>",
       "rebuild the index from the mail files", verb_force_resync},
      {"purge", "[-u <user>|-A|-F <file>]",
       "remove expunged messages from mdbox files and finish pending ALT moves", verb_purge},
      {"altmove", "[-u <user>|-A|-F <file>] [-r] <search query>",
       "move matching messages to the ALT storage (-r: back to the primary one)", verb_altmove},
      {"index", "[-u <user>|-A|-F <file>] [-q] [-n <max recent>] <mailbox mask>",
       "index new mail in mailboxes", verb_index},
      {"verify",
       "[-u <user>|-A|-F <file>] [-m <mailbox>]... [--no-bodies] [--ignore-flags] "
       "[--ignore-dates] [--ignore-mailbox-guids] [--max-differences <n>] <location> [<location>]",
       "prove two stores hold the same mail (exit 2 when they differ)", verb_verify},
      {"user", "[-f <field>] [-m] <user mask>...", "look users up in the userdb", verb_user},
      {"config", "[-a] [-n] [<setting>...]", "print the effective configuration", verb_config},
      {"help", "[<command>]", "show commands and their usage", verb_help},
  };
  return verbs;
}

int verb_help(CommandContext& ctx) {
  std::string wanted;
  for (const auto& a : ctx.args) wanted += (wanted.empty() ? "" : " ") + a;
  bool found = false;
  for (const auto& v : verb_table()) {
    if (!wanted.empty() && v.name.compare(0, wanted.size(), wanted) != 0) continue;
    found = true;
    ctx.out << ctx.program << " " << v.name << " " << v.usage << "\n";
    if (!wanted.empty()) ctx.out << "    " << v.summary << "\n";
  }
  if (!found) {
    ctx.err << ctx.program << ": Unknown command '" << wanted << "'\n";
    return kExitUsage;
  }
  return 0;
}

}  // namespace roost::cli
