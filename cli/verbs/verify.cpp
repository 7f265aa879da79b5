// verify [-u <user>|-A|-F <file>] [-m <mailbox>]... [--no-bodies] [--ignore-flags]
//        [--ignore-dates] [--ignore-mailbox-guids] [--max-differences <n>] <location> [<location>]
#include <sys/stat.h>

#include <chrono>

#include "cli/environment.hpp"
#include "cli/location_arg.hpp"
#include "cli/verbs/verbs.hpp"
#include "cli/verify_report.hpp"
#include "formats/verify/store_verifier.hpp"
#include "lib/error.hpp"
#include "lib/privileges.hpp"
#include "lib/strutil.hpp"

namespace roost::cli {

namespace {

// Differences are not an error: scripts tell "the copy is incomplete" (2,
// the code doveadm uses when a sync left something different) from "verify
// could not run" (64 and up).
constexpr int kExitStoresDiffer = kExitChangedDuringSync;

struct VerifyArgs {
  UserSelection users;
  VerifyOptions options;
  std::vector<std::string> locations;
};

VerifyArgs parse_verify_args(const std::vector<std::string>& in) {
  VerifyArgs args;
  // Long options first (the short-option parser doesn't know them); they
  // may appear anywhere before the locations.
  std::vector<std::string> rest;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& a = in[i];
    if (a == "--") {
      rest.insert(rest.end(), in.begin() + static_cast<long>(i), in.end());
      break;
    }
    if (a.rfind("--", 0) != 0) {
      rest.push_back(a);
      continue;
    }
    std::string name = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    if (name == "--no-bodies") {
      args.options.bodies = false;
    } else if (name == "--ignore-flags") {
      args.options.flags = false;
    } else if (name == "--ignore-dates") {
      args.options.dates = false;
    } else if (name == "--ignore-mailbox-guids") {
      args.options.mailbox_guids = false;
    } else if (name == "--max-differences") {
      if (!has_value) {
        if (i + 1 >= in.size()) throw Error(kExitUsage, "verify: --max-differences needs a number");
        value = in[++i];
      }
      auto n = parse_u64(value);
      if (!n)
        throw Error(kExitUsage, "verify: --max-differences takes a number, not '" + value + "'");
      args.options.max_listed = static_cast<size_t>(*n);
    } else if (name == "--mailbox") {
      if (!has_value) {
        if (i + 1 >= in.size()) throw Error(kExitUsage, "verify: --mailbox needs a mailbox name");
        value = in[++i];
      }
      args.options.mailbox_patterns.push_back(value);
    } else {
      throw Error(kExitUsage, "verify: unknown option " + a + " (see `roost help verify`)");
    }
  }
  OptionParser parser("u:AF:S:m:", "verify");
  size_t pos = 0;
  for (const auto& o : parser.parse(rest, pos)) {
    switch (o.letter) {
      case 'u':
        args.users.masks.push_back(o.value);
        break;
      case 'A':
        args.users.all_users = true;
        break;
      case 'F':
        args.users.users_file = o.value;
        break;
      case 'S':
        args.users.socket_path = o.value;
        break;
      case 'm':
        args.options.mailbox_patterns.push_back(o.value);
        break;
      default:
        break;
    }
  }
  args.locations.assign(rest.begin() + static_cast<long>(pos), rest.end());
  if (args.users.given() ? args.locations.size() != 1 : args.locations.size() != 2)
    throw Error(kExitUsage,
                "verify: give -u <user> (or -A, -F <file>) and one mail location to compare the "
                "user's mail with, or two mail locations (see `roost help verify`)");
  return args;
}

// The namespace whose store a location argument stands for: the inbox one
// (where dsync's default backup goes), else the first without a prefix.
OpenNamespace& primary_namespace(MailUser& user) {
  for (auto& ns : user.namespaces())
    if (ns.inbox) return ns;
  for (auto& ns : user.namespaces())
    if (ns.prefix.empty()) return ns;
  if (user.namespaces().empty())
    throw Error(kExitConfig, "user " + user.name() + " has no namespace configured");
  return user.namespaces().front();
}

VerifyRun run_verifier(MailStorage& a, MailStorage& b, const VerifyOptions& options,
                       std::ostream& err, bool verbose, const std::string& user) {
  VerifyRun run;
  run.user = user;
  run.a = a.location().to_string();
  run.b = b.location().to_string();
  run.options = options;
  StoreVerifier verifier(a, b, options);
  if (verbose)
    verifier.on_mailbox([&](const MailboxReport& m) {
      err << "verify: " << (user.empty() ? "" : user + ": ") << m.name << " done\n";
    });
  auto start = std::chrono::steady_clock::now();
  run.report = verifier.run();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

// Opened as root without a user, act as the owner of both stores (when
// they share one) so the index files Roost updates keep their owner.
std::unique_ptr<EffectiveUser> act_as_store_owner(const MailLocation& a, const MailLocation& b) {
  struct stat sa, sb;
  if (::stat(a.root.c_str(), &sa) != 0 || ::stat(b.root.c_str(), &sb) != 0) return nullptr;
  if (sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid) return nullptr;
  return std::make_unique<EffectiveUser>(sa.st_uid, sa.st_gid);
}

void emit(CommandContext& ctx, const VerifyRun& run, nlohmann::json* json_out) {
  if (json_out) {
    json_out->push_back(verify_report_json(run));
  } else {
    print_verify_text(ctx.out, run, ctx.global.verbose);
  }
}

}  // namespace

int verb_verify(CommandContext& ctx) {
  VerifyArgs args = parse_verify_args(ctx.args);
  const std::string& fmt = ctx.global.formatter;
  if (!fmt.empty() && fmt != "json")
    throw Error(kExitUsage, "verify: -f " + fmt +
                                " is not supported: verify prints a summary, or a report with -f "
                                "json");
  bool json = fmt == "json";
  nlohmann::json reports = nlohmann::json::array();
  nlohmann::json* json_out = json ? &reports : nullptr;
  int exit_code = 0;
  bool differ = false;
  bool many = false;

  if (!args.users.given()) {
    MailLocation la = expand_location_arg(ctx.env, args.locations[0], "");
    MailLocation lb = expand_location_arg(ctx.env, args.locations[1], "");
    auto owner = act_as_store_owner(la, lb);
    // One separator for both, so Maildir++ and fs-layout names match up.
    auto a = open_location_arg(la, '/');
    auto b = open_location_arg(lb, '/');
    VerifyRun run = run_verifier(*a, *b, args.options, ctx.err, ctx.global.verbose, "");
    differ = !run.report.identical();
    emit(ctx, run, json_out);
  } else {
    auto users = ctx.env.select_users(args.users);
    many = args.users.all_users || !args.users.users_file.empty() || users.size() > 1 ||
           (args.users.masks.size() == 1 &&
            args.users.masks[0].find_first_of("*?") != std::string::npos);
    for (const auto& user : users) {
      try {
        // The userdb is read before switching to the user's uid (it may be
        // readable by root only).
        MailLocation lb = expand_location_arg(ctx.env, args.locations[0], user);
        auto mail_user = ctx.env.open_user(user);
        OpenNamespace& ns = primary_namespace(*mail_user);
        auto b = open_location_arg(lb, ns.separator);
        VerifyRun run =
            run_verifier(*ns.storage, *b, args.options, ctx.err, ctx.global.verbose, user);
        differ = differ || !run.report.identical();
        emit(ctx, run, json_out);
      } catch (const Error& e) {
        ctx.err << ctx.program << "(" << user << "): Error: " << e.what() << "\n";
        exit_code = e.exit_code();
        if (e.exit_code() == kExitUsage) break;
      }
    }
  }
  // One run: its object; several users: an array of them (the single
  // user who failed gets no report, only the error).
  if (json && many)
    ctx.out << reports.dump(2) << "\n";
  else if (json && !reports.empty())
    ctx.out << reports.at(0).dump(2) << "\n";
  ctx.out.flush();
  // An error outranks a finding: the comparison it stopped is incomplete.
  if (exit_code) return exit_code;
  return differ ? kExitStoresDiffer : 0;
}

}  // namespace roost::cli
