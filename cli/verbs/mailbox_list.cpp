// mailbox list [-7|-8] [-s] [<mailbox mask>...]
#include "cli/mail_command.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/imap/mutf7.hpp"

namespace roost::cli {

int verb_mailbox_list(CommandContext& ctx) {
  return run_mail_verb(
      ctx, {"mailbox list", "78s", 0,
            [](CommandContext& c, MailCommandArgs&) {
              c.printer().add_header("mailbox", "mailbox", kHeaderHideTitle);
            },
            [](CommandContext& c, MailUser& user, MailCommandArgs& a) {
              std::vector<std::string> patterns = a.positional;
              if (patterns.empty()) patterns.push_back("*");
              auto print = [&](const std::string& name) {
                c.printer().print(a.has('7') ? mutf7_encode(name) : name);
              };
              if (a.has('s')) {
                // Subscriptions in the order they were made, like doveadm;
                // a subscription may name a mailbox that no longer exists.
                for (auto& ns : user.namespaces()) {
                  if (!ns.list || ns.hidden) continue;
                  for (const auto& s : ns.storage->subscriptions()) {
                    std::string vname = user.virtual_name(ns, s);
                    for (const auto& p : patterns)
                      if (mailbox_pattern_match(p, vname, user.separator())) {
                        print(vname);
                        break;
                      }
                  }
                }
                return;
              }
              for (const auto& b : user.match_mailboxes(patterns)) print(b.name);
            }});
}

}  // namespace roost::cli
