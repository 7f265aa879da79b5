#include "cli/dsync_command.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "cli/environment.hpp"
#include "cli/mail_command.hpp"
#include "cli/namespace_union_storage.hpp"
#include "cli/progress_display.hpp"
#include "cli/special_use.hpp"
#include "dsync/dsync_local.hpp"
#include "dsync/dsync_peer_state.hpp"
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

// -N: the namespaces doveadm calls visible (not hidden, or listed).
std::vector<OpenNamespace*> visible_namespaces(MailUser& user) {
  std::vector<OpenNamespace*> out;
  for (auto& ns : user.namespaces())
    if (!ns.hidden || ns.list) out.push_back(&ns);
  return out;
}

// The dsync-server side of -n/-N: the storage for the namespaces the
// master named, each of which must exist here with the same prefix.
MailStorage& server_storage(MailUser& user, const MailCommandArgs& a, const dsync::Handshake& h,
                            std::unique_ptr<MailStorage>& keep) {
  std::vector<OpenNamespace*> picked;
  if (h.sync_namespaces.empty()) {
    // doveadm's -N names no prefixes: every visible namespace of this user.
    if (h.sync_visible_namespaces) picked = visible_namespaces(user);
    if (picked.size() < 2) return *pick_namespace(user, a).storage;
    keep = std::make_unique<NamespaceUnionStorage>(picked);
    return *keep;
  }
  for (const auto& prefix : h.sync_namespaces) {
    OpenNamespace* found = nullptr;
    for (auto& ns : user.namespaces())
      if (ns.prefix == prefix) found = &ns;
    if (!found)
      throw Error(kExitConfig, "namespace '" + prefix +
                                   "' of the source is missing on the "
                                   "destination (user " +
                                   user.name() + "): add a namespace with prefix \"" + prefix +
                                   "\" to the destination's configuration");
    picked.push_back(found);
  }
  if (picked.size() == 1) return *picked.front()->storage;
  keep = std::make_unique<NamespaceUnionStorage>(picked);
  return *keep;
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

// -d: the destination doveadm takes from the user's mail_replica setting
// (a userdb field, else plugin { mail_replica }), as one mail location or a
// command line; Dovecot's remote:/tcp: forms need Roost's tcp transport.
std::vector<std::string> replica_destination(CommandContext& c, MailUser& user) {
  std::string v;
  if (auto rec = c.env.userdb().lookup(user.name()))
    if (const std::string* f = rec->field("mail_replica")) v = *f;
  if (v.empty())
    for (const ConfigSection* sec : c.env.config().sections("plugin"))
      if (sec->has("mail_replica")) v = sec->get("mail_replica");
  v = std::string(trim(v));
  if (v.empty())
    throw Error(kExitNoHost,
                "User has no mail_replica in userdb (set it there or in plugin { "
                "mail_replica = maildir:/backup/%u }, or give a destination)");
  for (const char* p : {"remote:", "remoteprefix:", "tcp:", "tcps:"})
    if (v.rfind(p, 0) == 0)
      throw Error(kExitConfig, "mail_replica = " + v +
                                   ": Roost can't connect to a doveadm server yet; use a mail "
                                   "location or a command (ssh host roost dsync-server)");
  auto rec = c.env.userdb().lookup(user.name());
  VarExpander vars = VarExpander::for_user(user.name(), rec ? rec->home : "");
  v = vars.expand(v);
  if (v.find(' ') == std::string::npos) return {v};
  std::vector<std::string> words;
  for (auto& w : split(v, ' '))
    if (!w.empty()) words.push_back(w);
  return words;
}

// dsync-server -U (doveadm's replicator notify): after a successful run,
// tell the replicator at <base_dir>/replicator-doveadm that this user was
// just synced (Roost's slave keeps no state: "" asks it for a full sync
// next time). No replicator listening: nothing to do; other errors are
// reported and don't fail the sync.
void notify_replicator(CommandContext& c, const std::string& user) {
  std::string path = path_join(c.env.config().get("base_dir"), "replicator-doveadm");
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) return;
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    if (errno != ECONNREFUSED && errno != ENOENT)
      c.err << "Error: connect(" << path << ") failed: " << std::strerror(errno) << "\n";
    ::close(fd);
    return;
  }
  std::string msg =
      "VERSION\treplicator-doveadm-client\t1\t0\nNOTIFY\t" + tab_escape(user) + "\t\t\n";
  for (size_t off = 0; off < msg.size();) {
    ssize_t n = ::write(fd, msg.data() + off, msg.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      c.err << "Error: write(" << path << ") failed: " << std::strerror(errno) << "\n";
      break;
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
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
  ProgressMode progress_mode = take_progress_option(args);
  return run_mail_verb(
      ctx, {verb, "1dfPRUvNl:m:x:n:s:T:", 0,
            [&](CommandContext&, MailCommandArgs& a) {
              if (a.positional.empty() && !a.has('d'))
                throw Error(kExitUsage, verb +
                                            ": give a destination mail location (e.g. "
                                            "maildir:/backup/%u), a remote command, or -d");
              if (a.has('d') && !a.positional.empty()) {
                // As doveadm: reported, and the replica is used.
                ctx.err << "Error: Don't give mail location with -d parameter\n";
                a.positional.clear();
              }
              if (dry_run && !a.has('d') && is_remote(a))
                throw Error(kExitUsage, verb + ": --dry-run works only with a mail location");
              if (a.has('N') && a.has('n'))
                throw Error(kExitUsage,
                            verb + ": give -N (all namespaces) or -n <prefix>, not both");
              if (dry_run) ctx.set_default_formatter("json");
            },
            [&, dry_run](CommandContext& c, MailUser& user, MailCommandArgs& a) {
              if (a.has('d')) {
                a.positional = replica_destination(c, user);
                if (dry_run && is_remote(a))
                  throw Error(kExitUsage, verb + ": --dry-run works only with a mail location");
              }
              OpenNamespace& ns = pick_namespace(user, a);
              // -N with several namespaces: all of them as one storage with
              // their prefixes (a local destination holds them as folders).
              std::unique_ptr<MailStorage> all;
              MailStorage* source = ns.storage.get();
              std::vector<std::string> prefixes;
              if (a.has('N')) {
                auto visible = visible_namespaces(user);
                for (auto* v : visible) prefixes.push_back(v->prefix);
                if (visible.size() > 1) {
                  all = std::make_unique<NamespaceUnionStorage>(visible);
                  source = all.get();
                }
              } else if (a.has('n')) {
                prefixes.push_back(ns.prefix);
              }
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
              s.namespaces = prefixes;
              s.all_namespaces = a.has('N');
              bool want_state = a.has('s');
              std::shared_ptr<ProgressDisplay> progress;
              if (!dry_run && progress_enabled(progress_mode, STDERR_FILENO)) {
                progress = std::make_shared<ProgressDisplay>(c.err, verb);
                s.progress = progress;
                if (s.log)  // a log line first erases the progress line
                  s.log = [log = s.log, p = progress.get()](const std::string& line) {
                    p->clear();
                    log(line);
                  };
              }
              // Without -s and -f: the state this store kept for this
              // destination after the last successful run (incremental, as
              // with -s). Mail locations only: a remote command may be
              // Dovecot's dsync-server, which reads the state's private
              // modseq field differently (Roost keeps the peer's HIGHESTMODSEQ
              // there) and would fail the run.
              bool keep_state = !is_remote(a);
              std::string state_file = dsync::peer_state_path(
                  ns.storage->location(), join(a.positional, " ") + (all ? " -N" : ""));
              dsync::StateMap saved =
                  keep_state ? dsync::load_peer_state(state_file) : dsync::StateMap{};
              if (!a.has('s') && !a.has('f') && !saved.empty()) {
                s.state = saved;
                s.sync_type = 's';
              }

              dsync::BrainResult r;
              if (is_remote(a)) {
                r = dsync::settle(
                    s,
                    [&](const dsync::BrainSettings& pass) {
                      return dsync::run_remote_sync(*source, a.positional, pass);
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
                r = dsync::sync_until_settled(*source, *dest, s, dsync::ChannelKind::kInProcess,
                                              kChangedRetries + 1);
              }
              if (progress) progress->finish();
              std::vector<std::string> changed = r.changed_mailboxes;
              if (dry_run) {
                c.out << r.plan.dump(2) << "\n";
                return;
              }
              if (keep_state) dsync::save_peer_state(state_file, saved, r.new_state);
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
                               std::unique_ptr<MailStorage> all;
                               s.choose_storage = [&](const dsync::Handshake& h) -> MailStorage& {
                                 return server_storage(user, a, h, all);
                               };
                               s.hostname = safe_hostname();
                               if (c.global.verbose)
                                 s.log = [&c](const std::string& line) { c.err << line << "\n"; };
                               dsync::Brain(*ns.storage, *channel, s).run();
                               if (a.has('U')) notify_replicator(c, user.name());
                             }});
}

}  // namespace roost::cli
