// copy|move <destination> [user <source user>] <query>
#include "cli/environment.hpp"
#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"

namespace roost::cli {

namespace {
int copy_verb(CommandContext& ctx, bool move) {
  struct State {
    std::string destination;
    std::string source_user;
    std::unique_ptr<MailQuery> query;
  };
  auto st = std::make_shared<State>();
  const char* name = move ? "move" : "copy";
  return run_mail_verb(
      ctx,
      {name, "", 2,
       [st](CommandContext&, MailCommandArgs& a) {
         st->destination = a.positional[0];
         size_t q = 1;
         if (a.positional.size() >= 3 && a.positional[1] == "user") {
           st->source_user = a.positional[2];
           q = 3;
         }
         std::vector<std::string> words(a.positional.begin() + static_cast<long>(q),
                                        a.positional.end());
         if (words.empty()) throw Error(kExitUsage, "no search query given");
         st->query = std::make_unique<MailQuery>(words);
       },
       [st, move](CommandContext& c, MailUser& user, MailCommandArgs&) {
         std::unique_ptr<MailUser> other;
         MailUser* source = &user;
         if (!st->source_user.empty() && st->source_user != user.name()) {
           other = c.env.open_user(st->source_user);
           source = other.get();
         }
         auto dest = user.open_mailbox(st->destination);
         st->query->for_each_mailbox(
             *source, [&](const std::string& mailbox, const std::string&, Mailbox& box,
                          const std::vector<const MessageRecord*>& matches) {
               // Moving a mailbox's mail into itself is a no-op.
               if (move && source == &user && mailbox == dest->name()) return;
               auto dtx = dest->begin();
               for (const auto* rec : matches) {
                 SaveRequest req;
                 req.flags = rec->flags;
                 req.flags.system &= kFlagsStorable;
                 req.received_date = rec->received_date;
                 req.guid = rec->guid;
                 req.pop3_uidl = rec->pop3_uidl;
                 dtx->copy(box, *rec, req);
               }
               // The copies are durable before any original goes away, so a
               // crash in between leaves duplicates, never a loss.
               dtx->commit();
               if (move) {
                 auto stx = box.begin();
                 for (const auto* rec : matches) stx->expunge(rec->uid);
                 stx->commit();
               }
             });
       }});
}
}  // namespace

int verb_copy(CommandContext& ctx) { return copy_verb(ctx, false); }
int verb_move(CommandContext& ctx) { return copy_verb(ctx, true); }

}  // namespace roost::cli
