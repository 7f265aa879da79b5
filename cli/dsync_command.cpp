#include "cli/dsync_command.hpp"

#include <algorithm>
#include <iostream>
#include <memory>

#include "cli/environment.hpp"
#include "cli/mail_command.hpp"
#include "cli/special_use.hpp"
#include "dsync/dsync_local.hpp"
#include "dsync/dsync_remote.hpp"
#include "formats/location/mail_location.hpp"
#include "formats/location/namespace_settings.hpp"
#include "formats/location/var_expander.hpp"
#include "lib/dotlock.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"
#include "server/auth/userdb.hpp"

namespace roost::cli {
namespace {

constexpr int kChangedRetries = 3;  // re-syncs before exit 2

// The namespace a sync covers: -n <prefix>, else the INBOX namespace.
OpenNamespace& pick_namespace(MailUser& user, const MailCommandArgs& a) {
  auto& all = user.namespaces();
  if (a.has('n')) {
    std::string prefix = a.value('n');
    for (auto& ns : all)
      if (ns.prefix == prefix) return ns;
    throw Error(kExitUsage, "namespace '" + prefix +
                                "' not found; check the -n value against "
                                "`doveconf namespace`");
  }
  for (auto& ns : all)
    if (ns.inbox) return ns;
  if (all.empty()) throw Error(kExitConfig, "the user has no namespace");
  return all.front();
}

// -m may name a mailbox by its special-use flag (\Trash): by its
// /private/specialuse attribute, as configured (`mailbox Trash { special_use
// = \Trash }`) or as the driver stores it.
std::string resolve_box(const Config& config, OpenNamespace& ns, const std::string& name) {
  if (name.empty() || name[0] != '\\') return name;
  if (auto box = mailbox_with_special_use(config, ns, name)) return *box;
  throw Error(kExitNotFound, "no mailbox has the special-use flag " + name);
}

dsync::BrainSettings brain_settings(CommandContext& c, MailUser& user, OpenNamespace& ns,
                                    const MailCommandArgs& a, bool backup, bool dry_run) {
  dsync::BrainSettings s;
  s.hostname = safe_hostname();
  s.dry_run = dry_run;
  s.sync_type = a.has('f') ? 'f' : 'c';
  if (backup)
    s.direction.kind = dsync::Direction::Kind::kBackup;
  else if (a.has('1'))
    s.direction.kind = dsync::Direction::Kind::kOneWay;
  s.direction.master_is_source = !a.has('R');
  if (a.has('m')) s.sync_box = resolve_box(c.env.config(), ns, a.value('m'));
  s.exclude = a.values('x');
  if (a.has('s') && !a.value('s').empty()) {
    std::string err;
    if (auto st = dsync::import_state(a.value('s'), err)) {
      s.state = *st;
      if (!a.has('f')) s.sync_type = 's';
    } else {
      c.err << "Warning: Saved sync state is invalid, falling back to full sync: " << err << "\n";
      s.sync_type = 'f';
    }
  }
  if (c.global.verbose || a.has('v'))
    s.log = [&c, name = user.name()](const std::string& line) {
      c.err << name << ": " << line << "\n";
    };
  return s;
}

// A destination that isn't one "format:path" word is a command to run
// (`ssh host roost dsync-server -u jane`), as doveadm takes it.
bool is_remote(const MailCommandArgs& a) {
  return a.positional.size() > 1 || a.positional[0].find(':') == std::string::npos;
}

}  // namespace

int run_dsync_verb(CommandContext& ctx, const std::string& verb, bool backup) {
  // --dry-run is Roost's own long option; the doveadm-style parser takes
  // only short ones.
  bool dry_run = false;
  auto& args = ctx.args;
  if (auto it = std::find(args.begin(), args.end(), "--dry-run"); it != args.end()) {
    dry_run = true;
    args.erase(it);
  }
  return run_mail_verb(
      ctx, {verb, "1fPRUvNl:m:x:n:s:T:", 1,
            [&](CommandContext&, MailCommandArgs& a) {
              if (a.positional.empty())
                throw Error(kExitUsage, verb +
                                            ": give a destination mail location (e.g. "
                                            "maildir:/backup/%u) or a remote command");
              if (dry_run && is_remote(a))
                throw Error(kExitUsage, verb + ": --dry-run works only with a mail location");
              if (a.has('N'))
                throw Error(kExitUsage, verb +
                                            ": -N (all namespaces) is not supported yet; sync "
                                            "each namespace with -n <prefix>");
              if (dry_run) ctx.set_default_formatter("json");
            },
            [&, dry_run](CommandContext& c, MailUser& user, MailCommandArgs& a) {
              OpenNamespace& ns = pick_namespace(user, a);
              DotLock lock;
              if (a.has('l')) {
                auto secs = parse_u32(a.value('l'));
                if (!secs) throw Error(kExitUsage, verb + ": -l wants a number of seconds");
                DotLock::Options o;
                o.timeout_secs = static_cast<int>(*secs);
                // One lock per source store: two syncs of one user never interleave.
                lock = DotLock::acquire(path_join(ns.storage->location().root, ".roost-dsync"), o);
              }
              dsync::BrainSettings s = brain_settings(c, user, ns, a, backup, dry_run);
              bool want_state = a.has('s');

              dsync::BrainResult r;
              if (is_remote(a)) {
                r = dsync::settle(
                    s,
                    [&](const dsync::BrainSettings& pass) {
                      return dsync::run_remote_sync(*ns.storage, a.positional, pass);
                    },
                    kChangedRetries + 1);
              } else {
                auto rec = c.env.userdb().lookup(user.name());
                VarExpander vars = VarExpander::for_user(user.name(), rec ? rec->home : "");
                MailLocation loc = parse_mail_location(a.positional[0], vars);
                if (loc.format.empty() || loc.format == "auto")
                  throw Error(kExitConfig, verb +
                                               ": the destination needs an explicit format, "
                                               "e.g. maildir:" +
                                               a.positional[0]);
                StorageSettings settings;
                settings.separator = default_separator(loc);
                if (!dry_run) make_dirs(loc.root);
                auto dest = open_storage(loc, settings);
                r = dsync::sync_until_settled(*ns.storage, *dest, s, dsync::ChannelKind::kInProcess,
                                              kChangedRetries + 1);
              }
              std::vector<std::string> changed = r.changed_mailboxes;
              if (dry_run) {
                c.out << r.plan.dump(2) << "\n";
                return;
              }
              if (want_state) c.out << dsync::export_state(r.new_state) << "\n";
              if (!changed.empty()) {
                std::sort(changed.begin(), changed.end());
                changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
                throw Error(kExitChangedDuringSync,
                            "Mailbox changes caused a desync (" + join(changed, ", ") +
                                "). You may want to run " + verb + " again.");
              }
            }});
}

int verb_dsync_server(CommandContext& ctx) {
  return run_mail_verb(ctx, {"dsync-server", "U", 0, nullptr,
                             [](CommandContext& c, MailUser& user, MailCommandArgs& a) {
                               // The slave side: the protocol on stdin/stdout, logs on stderr.
                               OpenNamespace& ns = pick_namespace(user, a);
                               c.out.flush();
                               auto channel = dsync::make_stream_channel(0, 1, false);
                               dsync::BrainSettings s;
                               s.master = false;
                               s.hostname = safe_hostname();
                               if (c.global.verbose)
                                 s.log = [&c](const std::string& line) { c.err << line << "\n"; };
                               dsync::Brain(*ns.storage, *channel, s).run();
                             }});
}

}  // namespace roost::cli
