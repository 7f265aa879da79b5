// expunge [-d] <query>
#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"

namespace roost::cli {

int verb_expunge(CommandContext& ctx) {
  auto query = std::make_shared<std::unique_ptr<MailQuery>>();
  return run_mail_verb(
      ctx, {"expunge", "d", 1,
            [query](CommandContext&, MailCommandArgs& a) {
              *query = std::make_unique<MailQuery>(a.positional);
              // Like doveadm: a query that could reach every mailbox is
              // almost always a mistake that would wipe the account.
              if (!(*query)->names_mailbox_everywhere())
                throw Error(kExitUsage,
                            "expunge: to avoid accidents, the search query must contain MAILBOX "
                            "in every OR branch (e.g. `mailbox Trash savedbefore 30d`)");
            },
            [query](CommandContext&, MailUser& user, MailCommandArgs& a) {
              std::vector<std::string> emptied;
              (*query)->for_each_mailbox(
                  user, [&](const std::string& name, const std::string&, Mailbox& box,
                            const std::vector<const MessageRecord*>& matches) {
                    auto tx = box.begin();
                    for (const auto* rec : matches) tx->expunge(rec->uid);
                    tx->commit();
                    if (a.has('d') && box.status().messages == 0) emptied.push_back(name);
                  });
              for (const auto& name : emptied) {
                auto r = user.resolve(name);
                if (name != "INBOX") r.ns->storage->delete_mailbox(r.storage_name);
              }
            }});
}

}  // namespace roost::cli
