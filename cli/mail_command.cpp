#include "cli/mail_command.hpp"

#include "cli/environment.hpp"
#include "lib/error.hpp"

namespace roost::cli {

bool MailCommandArgs::has(char letter) const {
  for (const auto& o : options)
    if (o.letter == letter) return true;
  return false;
}

std::string MailCommandArgs::value(char letter, const std::string& fallback) const {
  std::string v = fallback;
  for (const auto& o : options)
    if (o.letter == letter) v = o.value;
  return v;
}

std::vector<std::string> MailCommandArgs::values(char letter) const {
  std::vector<std::string> out;
  for (const auto& o : options)
    if (o.letter == letter) out.push_back(o.value);
  return out;
}

int run_mail_verb(CommandContext& ctx, const MailVerbSpec& spec) {
  MailCommandArgs args;
  OptionParser parser("u:AF:S:" + spec.option_spec, spec.name);
  size_t pos = 0;
  // doveadm accepts the user options anywhere before the positionals.
  for (auto& o : parser.parse(ctx.args, pos)) {
    switch (o.letter) {
      case 'u': args.users.masks.push_back(o.value); break;
      case 'A': args.users.all_users = true; break;
      case 'F': args.users.users_file = o.value; break;
      case 'S': args.users.socket_path = o.value; break;
      default: args.options.push_back(o);
    }
  }
  args.positional.assign(ctx.args.begin() + static_cast<long>(pos), ctx.args.end());
  if (!args.users.given())
    throw Error(kExitUsage, spec.name + ": no user given: use -u <user>, -A (all users) or "
                                        "-F <file of users>");
  if (args.positional.size() < spec.min_positional)
    throw Error(kExitUsage, spec.name + ": missing arguments (see `" + ctx.program + " help " +
                                spec.name + "`)");

  auto users = ctx.env.select_users(args.users);
  bool many = args.users.all_users || !args.users.users_file.empty() || args.users.masks.size() > 1 ||
              (args.users.masks.size() == 1 &&
               args.users.masks[0].find_first_of("*?") != std::string::npos);
  if (many) ctx.printer().add_header("username", "Username", kHeaderSticky | kHeaderHideTitle);
  if (spec.prepare) spec.prepare(ctx, args);

  int exit_code = 0;
  for (const auto& user : users) {
    if (many) ctx.printer().set_sticky("username", user);
    try {
      auto mail_user = ctx.env.open_user(user);
      spec.run(ctx, *mail_user, args);
    } catch (const Error& e) {
      ctx.err << ctx.program << "(" << user << "): Error: " << e.what() << "\n";
      exit_code = e.exit_code();
      // A usage error is the same for every user: stop at the first.
      if (e.exit_code() == kExitUsage) break;
    }
  }
  ctx.finish_output();
  return exit_code;
}

}  // namespace roost::cli
