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
              // Mailbox objects live only while their mailbox is searched
              // (a later one may reuse the address), so key by name.
              std::string guid_hex, guid_of;
              (*query)->for_each(user, [&](const MatchedMail& m) {
                if (guid_of.empty() || guid_of != m.mailbox) {
                  guid_hex = m.box.status().guid.hex();
                  guid_of = m.mailbox;
                }
                c.printer().print(guid_hex);
                c.printer().print(std::to_string(m.record.uid));
              });
            }});
}

}  // namespace roost::cli
