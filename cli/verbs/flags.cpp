// flags add|remove|replace <flags> <query>
#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"

namespace roost::cli {

namespace {
int flags_verb(CommandContext& ctx, FlagOp op, const char* name) {
  struct State {
    MessageFlags flags;
    std::unique_ptr<MailQuery> query;
  };
  auto st = std::make_shared<State>();
  return run_mail_verb(
      ctx, {name, "", 2,
            [st](CommandContext&, MailCommandArgs& a) {
              st->flags = parse_flag_list(a.positional[0]);
              if (st->flags.system & kFlagRecent)
                throw Error(kExitUsage, "\\Recent can't be changed: it is set by the server");
              st->query = std::make_unique<MailQuery>(
                  std::vector<std::string>(a.positional.begin() + 1, a.positional.end()));
            },
            [st, op](CommandContext&, MailUser& user, MailCommandArgs&) {
              st->query->for_each_mailbox(
                  user, [&](const std::string&, const std::string&, Mailbox& box,
                            const std::vector<const MessageRecord*>& matches) {
                    auto tx = box.begin();
                    for (const auto* rec : matches) tx->update_flags(rec->uid, op, st->flags);
                    tx->commit();
                  });
            }});
}
}  // namespace

int verb_flags_add(CommandContext& ctx) { return flags_verb(ctx, FlagOp::kAdd, "flags add"); }
int verb_flags_remove(CommandContext& ctx) {
  return flags_verb(ctx, FlagOp::kRemove, "flags remove");
}
int verb_flags_replace(CommandContext& ctx) {
  return flags_verb(ctx, FlagOp::kReplace, "flags replace");
}

}  // namespace roost::cli
