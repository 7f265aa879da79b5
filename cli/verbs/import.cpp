// import [-s] <source location> <parent folder> <search query>
#include <unistd.h>

#include <memory>
#include <map>
#include <sstream>

#include "cli/environment.hpp"
#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/progress_display.hpp"
#include "cli/verbs/verbs.hpp"
#include "dsync/dsync_mail_key.hpp"
#include "formats/location/mail_location.hpp"
#include "formats/location/var_expander.hpp"
#include "lib/error.hpp"
#include "server/auth/userdb.hpp"

namespace roost::cli {

int verb_import(CommandContext& ctx) {
  auto query = std::make_shared<std::unique_ptr<MailQuery>>();
  ProgressMode progress_mode = take_progress_option(ctx.args);
  return run_mail_verb(
      ctx, {"import", "s", 3,
            [query](CommandContext&, MailCommandArgs& a) {
              *query = std::make_unique<MailQuery>(
                  std::vector<std::string>(a.positional.begin() + 2, a.positional.end()));
            },
            [query, progress_mode](CommandContext& c, MailUser& user, MailCommandArgs& a) {
              auto rec = c.env.userdb().lookup(user.name());
              VarExpander vars = VarExpander::for_user(user.name(), rec ? rec->home : "");
              MailLocation loc = parse_mail_location(a.positional[0], vars);
              if (loc.format.empty() || loc.format == "auto")
                throw Error(
                    kExitConfig,
                    "import: the source needs an explicit format, e.g. maildir:" + a.positional[0]);
              StorageSettings settings;
              settings.separator = default_separator(loc);
              std::vector<OpenNamespace> source_ns(1);
              source_ns[0].separator = settings.separator;
              source_ns[0].inbox = true;
              source_ns[0].storage = open_storage(loc, settings);
              MailUser source(user.name(), std::move(source_ns));
              const std::string parent = a.positional[1];
              std::unique_ptr<ProgressDisplay> progress;
              std::vector<std::string> boxes;  // the mailboxes the query may import from
              if (progress_enabled(progress_mode, STDERR_FILENO)) {
                progress = std::make_unique<ProgressDisplay>(c.err, "import");
                for (const auto& info : source.list_mailboxes())
                  if (info.selectable) boxes.push_back(info.name);
                progress->tree_planned(boxes.size());
              }
              // The query visits only mailboxes with matches, in list order:
              // the ones it passed over count as done.
              size_t next_box = 0;
              auto done_until = [&](const std::string* name) {
                while (next_box < boxes.size() && (!name || boxes[next_box] != *name))
                  progress->mailbox_end(boxes[next_box++]);
                if (next_box < boxes.size()) ++next_box;
              };
              (*query)->for_each_mailbox(
                  source, [&](const std::string& name, const std::string&, Mailbox& from,
                              const std::vector<const MessageRecord*>& matches) {
                    std::string dest_name = name;
                    if (!parent.empty()) {
                      std::string converted = name;
                      for (auto& ch : converted)
                        if (ch == settings.separator) ch = user.separator();
                      dest_name = parent + user.separator() + converted;
                    }
                    auto r = user.resolve(dest_name);
                    if (!r.ns->storage->mailbox_exists(r.storage_name))
                      r.ns->storage->create_mailbox(r.storage_name);
                    if (a.has('s')) r.ns->storage->set_subscribed(r.storage_name, true);
                    auto to = r.ns->storage->open_mailbox(r.storage_name);
                    // A re-run after an interruption doesn't import twice: mail
                    // already there (same GUID, or same identifying headers when
                    // the destination makes its own GUIDs) is skipped. One that
                    // came without any flag while the source has some is what a
                    // crash between saving the file and writing the index leaves
                    // (dbox keeps flags in the index only): it gets them now.
                    bool by_guid = to->can_save_guid();
                    std::map<std::string, const MessageRecord*> present;
                    for (const auto& m : to->messages())
                      present.emplace(by_guid ? m.guid : dsync::mail_header_key(*to, m.uid), &m);
                    std::vector<const MessageRecord*> todo;
                    std::vector<std::pair<uint32_t, MessageFlags>> flag_fixes;
                    uint64_t todo_bytes = 0;
                    for (const auto* m : matches) {
                      std::string key = by_guid ? m->guid : dsync::mail_header_key(from, m->uid);
                      auto [it, fresh] = present.emplace(key, nullptr);
                      if (!fresh) {
                        MessageFlags want = m->flags;
                        want.system &= kFlagsStorable;
                        const MessageRecord* there = it->second;
                        if (there && !(there->flags.system & kFlagsStorable) &&
                            there->flags.keywords.empty() && !(want == MessageFlags{}))
                          flag_fixes.emplace_back(there->uid, want);
                        continue;
                      }
                      todo.push_back(m);
                      todo_bytes += m->physical_size;
                    }
                    if (progress) {
                      done_until(&name);
                      progress->mailbox_begin(name, todo.size(), todo_bytes);
                    }
                    auto tx = to->begin();
                    for (const auto& [uid, flags] : flag_fixes)
                      tx->update_flags(uid, FlagOp::kReplace, flags);
                    size_t pending = 0;
                    for (const auto* m : todo) {
                      SaveRequest req;
                      req.flags = m->flags;
                      req.flags.system &= kFlagsStorable;
                      req.received_date = m->received_date;
                      req.save_date = m->save_date;
                      if (by_guid) req.guid = m->guid;
                      auto in = from.open_message(m->uid);
                      tx->save(*in, req);
                      if (progress) progress->mail_copied(m->physical_size);
                      if (++pending == 100) {
                        tx->commit();
                        tx = to->begin();
                        pending = 0;
                      }
                    }
                    tx->commit();
                    if (progress) progress->mailbox_end(name);
                  });
              if (progress) {
                done_until(nullptr);
                progress->finish();
              }
            }});
}

}  // namespace roost::cli
