// force-resync <mailbox mask> and index <mailbox mask>
#include "cli/mail_command.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"

namespace roost::cli {

namespace {
int per_mailbox_verb(CommandContext& ctx, const char* name, const char* options,
                     void (*action)(Mailbox&)) {
  return run_mail_verb(ctx, {name, options, 1, nullptr,
                             [action, name](CommandContext&, MailUser& user, MailCommandArgs& a) {
                               auto boxes = user.match_mailboxes(a.positional);
                               if (boxes.empty())
                                 throw Error(kExitNotFound,
                                             std::string(name) + ": no mailbox matches '" +
                                                 a.positional[0] + "'");
                               for (const auto& b : boxes) {
                                 if (!b.selectable) continue;
                                 auto box = user.open_mailbox(b.name);
                                 action(*box);
                               }
                             }});
}
}  // namespace

int verb_force_resync(CommandContext& ctx) {
  return per_mailbox_verb(ctx, "force-resync", "f", [](Mailbox& box) { box.force_resync(); });
}

// Roost indexes every message as it is saved or found; `index` picks up
// mail dropped into the store by other programs and brings the index up
// to date, which is what doveadm index does without an fts plugin.
int verb_index(CommandContext& ctx) {
  return per_mailbox_verb(ctx, "index", "qn:", [](Mailbox& box) { box.sync(); });
}

}  // namespace roost::cli
