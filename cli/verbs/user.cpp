// user [-f <field>] [-m] <user mask>...  (doveadm user)
#include "cli/environment.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/config/config.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"
#include "server/auth/user_output.hpp"
#include "server/auth/userdb.hpp"

namespace roost::cli {

// Looks users up in the userdb and prints what the mail service would use;
// masks with * or ? list every matching user of the userdb. Exit code 67
// when a named user doesn't exist, so `if roost user "$u"; then` works.
int verb_user(CommandContext& ctx) {
  OptionParser parser("a:f:x:mu", "user");
  size_t pos = 0;
  std::string field;
  for (const auto& o : parser.parse(ctx.args, pos))
    if (o.letter == 'f') field = o.value;
  if (pos >= ctx.args.size()) throw Error(kExitUsage, "user: no user or mask given");
  UserDb& db = ctx.env.userdb();
  std::vector<UserLookupResult> results;
  for (; pos < ctx.args.size(); ++pos) {
    const std::string& mask = ctx.args[pos];
    if (mask.find_first_of("*?") != std::string::npos) {
      // Listing only prints the names, as doveadm does for masks.
      for (const auto& u : db.iterate())
        if (wildcard_match(mask, u)) ctx.out << u << "\n";
      continue;
    }
    results.push_back({mask, db.lookup(mask)});
  }
  if (results.empty()) return 0;
  auto output = format_user_lookups(results, ctx.env.config(), field);
  ctx.out << output.out;
  ctx.err << output.err;
  return output.exit_code;
}

}  // namespace roost::cli
