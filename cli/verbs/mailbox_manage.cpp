// mailbox create | delete | rename | subscribe | unsubscribe
#include <algorithm>

#include "cli/mail_command.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"

namespace roost::cli {

namespace {
void validate(MailUser& user, const std::string& vname) {
  validate_mailbox_name(vname, user.separator());
}

bool has_children(MailUser& user, const std::string& vname) {
  std::string prefix = vname + user.separator();
  for (const auto& b : user.list_mailboxes())
    if (b.name.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}
}  // namespace

int verb_mailbox_create(CommandContext& ctx) {
  return run_mail_verb(ctx, {"mailbox create", "sg:", 1, nullptr,
                             [](CommandContext&, MailUser& user, MailCommandArgs& a) {
                               Guid128 guid;
                               if (a.has('g')) {
                                 auto g = Guid128::parse(a.value('g'));
                                 if (!g)
                                   throw Error(kExitUsage,
                                               "invalid mailbox GUID '" + a.value('g') +
                                                   "': expected 32 hex digits");
                                 guid = *g;
                               }
                               for (const auto& name : a.positional) {
                                 validate(user, name);
                                 auto r = user.resolve(name);
                                 r.ns->storage->create_mailbox(r.storage_name, guid);
                                 if (a.has('s')) r.ns->storage->set_subscribed(r.storage_name, true);
                               }
                             }});
}

int verb_mailbox_delete(CommandContext& ctx) {
  return run_mail_verb(
      ctx, {"mailbox delete", "resZ", 1, nullptr,
            [](CommandContext&, MailUser& user, MailCommandArgs& a) {
              std::vector<std::string> names = a.positional;
              if (a.has('r')) {
                // Children first, deepest first, so no parent is removed
                // before what it contains.
                std::vector<std::string> all;
                for (const auto& n : names) {
                  validate(user, n);
                  auto kids = user.match_mailboxes({n + user.separator() + "*"});
                  for (const auto& b : kids) all.push_back(b.name);
                  auto r = user.resolve(n);
                  // A name that exists only as the parent of what -r removes
                  // goes away with its children.
                  if (r.ns->storage->mailbox_exists(r.storage_name) || kids.empty())
                    all.push_back(n);
                }
                std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
                  return x.size() > y.size();
                });
                all.erase(std::unique(all.begin(), all.end()), all.end());
                names = all;
              }
              for (const auto& name : names) {
                validate(user, name);
                auto r = user.resolve(name);
                if (!r.ns->storage->mailbox_exists(r.storage_name)) {
                  // A child listed as a \NoSelect level of the hierarchy.
                  if (a.has('r') && has_children(user, name)) continue;
                  throw Error(kExitNoHost, "Can't delete mailbox " + name +
                                               ": Mailbox doesn't exist: " + name);
                }
                if (a.has('e')) {
                  auto box = r.ns->storage->open_mailbox(r.storage_name);
                  if (box->status().messages > 0)
                    throw Error(kExitDataErr, "Can't delete mailbox " + name +
                                                  ": Mailbox isn't empty (-e was given)");
                }
                r.ns->storage->delete_mailbox(r.storage_name);
                if (a.has('s')) r.ns->storage->set_subscribed(r.storage_name, false);
              }
            }});
}

int verb_mailbox_rename(CommandContext& ctx) {
  return run_mail_verb(ctx, {"mailbox rename", "s", 2, nullptr,
                             [](CommandContext&, MailUser& user, MailCommandArgs& a) {
                               if (a.positional.size() != 2)
                                 throw Error(kExitUsage,
                                             "mailbox rename: give exactly <old> <new>");
                               const auto& from = a.positional[0];
                               const auto& to = a.positional[1];
                               validate(user, from);
                               validate(user, to);
                               auto rf = user.resolve(from);
                               auto rt = user.resolve(to);
                               if (rf.ns != rt.ns)
                                 throw Error(kExitUsage,
                                             "Can't rename mailbox " + from + " to " + to +
                                                 ": the names are in different namespaces");
                               if (!rf.ns->storage->mailbox_exists(rf.storage_name))
                                 throw Error(kExitNoHost, "Can't rename mailbox " + from + " to " +
                                                              to + ": Mailbox doesn't exist: " +
                                                              from);
                               rf.ns->storage->rename_mailbox(rf.storage_name, rt.storage_name);
                               if (a.has('s')) {
                                 rf.ns->storage->set_subscribed(rf.storage_name, false);
                                 rf.ns->storage->set_subscribed(rt.storage_name, true);
                               }
                             }});
}

static int subscribe_verb(CommandContext& ctx, bool subscribe) {
  return run_mail_verb(ctx, {subscribe ? "mailbox subscribe" : "mailbox unsubscribe", "", 1,
                             nullptr, [subscribe](CommandContext&, MailUser& user,
                                                  MailCommandArgs& a) {
                               for (const auto& name : a.positional) {
                                 validate(user, name);
                                 auto r = user.resolve(name);
                                 r.ns->storage->set_subscribed(r.storage_name, subscribe);
                               }
                             }});
}

int verb_mailbox_subscribe(CommandContext& ctx) { return subscribe_verb(ctx, true); }
int verb_mailbox_unsubscribe(CommandContext& ctx) { return subscribe_verb(ctx, false); }

}  // namespace roost::cli
