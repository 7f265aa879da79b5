// save [-m <mailbox>]: saves one message read from standard input.
#include <sstream>

#include "cli/mail_command.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"

namespace roost::cli {

int verb_save(CommandContext& ctx) {
  // The message is read once, so every selected user gets the same bytes.
  auto message = std::make_shared<std::string>();
  return run_mail_verb(
      ctx, {"save", "m:", 0,
            [message](CommandContext& c, MailCommandArgs&) {
              std::ostringstream buf;
              buf << c.in.rdbuf();
              *message = buf.str();
              if (message->empty())
                throw Error(kExitDataErr, "save: standard input is empty: pipe a message in");
            },
            [message](CommandContext&, MailUser& user, MailCommandArgs& a) {
              std::string mailbox = a.value('m', "INBOX");
              auto box = user.open_mailbox(mailbox);
              auto tx = box->begin();
              std::istringstream in(*message);
              tx->save(in, SaveRequest{});
              tx->commit();
            }});
}

}  // namespace roost::cli
