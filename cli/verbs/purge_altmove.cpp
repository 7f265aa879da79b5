// purge and altmove [-r] <search query>
#include <algorithm>

#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"

namespace roost::cli {

namespace {
// Every private storage of the user once (namespaces may share one).
void purge_storages(MailUser& user) {
  std::vector<MailStorage*> done;
  for (auto& ns : user.namespaces()) {
    MailStorage* s = ns.storage.get();
    if (std::find(done.begin(), done.end(), s) != done.end()) continue;
    done.push_back(s);
    s->purge();
  }
}
}  // namespace

int verb_purge(CommandContext& ctx) {
  return run_mail_verb(
      ctx, {"purge", "", 0, nullptr, [](CommandContext&, MailUser& user, MailCommandArgs& a) {
              if (!a.positional.empty()) throw Error(kExitUsage, "purge takes no arguments");
              purge_storages(user);
            }});
}

// Like doveadm: the matching messages are marked for the ALT storage (or,
// with -r, for the primary one) and a purge then moves the bytes, so an
// interrupted altmove is finished by the next altmove or purge.
int verb_altmove(CommandContext& ctx) {
  auto query = std::make_shared<std::unique_ptr<MailQuery>>();
  return run_mail_verb(ctx, {"altmove", "r", 1,
                             [query](CommandContext&, MailCommandArgs& a) {
                               *query = std::make_unique<MailQuery>(a.positional);
                             },
                             [query](CommandContext&, MailUser& user, MailCommandArgs& a) {
                               bool to_alt = !a.has('r');
                               (*query)->for_each_mailbox(
                                   user, [&](const std::string&, const std::string&, Mailbox& box,
                                             const std::vector<const MessageRecord*>& matches) {
                                     if (matches.empty()) return;
                                     auto tx = box.begin();
                                     for (const auto* rec : matches)
                                       tx->set_alt_storage(rec->uid, to_alt);
                                     tx->commit();
                                   });
                               purge_storages(user);
                             }});
}

}  // namespace roost::cli
