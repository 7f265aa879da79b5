// search <query>: prints "mailbox-guid uid" for each match.
#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/verbs/verbs.hpp"

namespace roost::cli {

int verb_search(CommandContext& ctx) {
  auto query = std::make_shared<std::unique_ptr<MailQuery>>();
  return run_mail_verb(
      ctx, {"search", "", 1,
            [query](CommandContext& c, MailCommandArgs& a) {
              *query = std::make_unique<MailQuery>(a.positional);
              c.printer().add_header("mailbox-guid", "mailbox-guid", kHeaderHideTitle);
              c.printer().add_header("uid", "uid", kHeaderHideTitle);
            },
            [query](CommandContext& c, MailUser& user, MailCommandArgs&) {
              (*query)->for_each(user, [&](const MatchedMail& m) {
                c.printer().print(m.mailbox_guid);
                c.printer().print(std::to_string(m.record.uid));
              });
            }});
}

}  // namespace roost::cli
