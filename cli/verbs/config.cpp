// config [-a] [-n] [-P] [-h] [<setting or section>...]  (like doveconf)
#include <sys/utsname.h>

#include "cli/environment.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/config/config.hpp"
#include "lib/config/config_printer.hpp"
#include "lib/error.hpp"

namespace roost::cli {

int verb_config(CommandContext& ctx) {
  OptionParser parser("anPhN", "config");
  size_t pos = 0;
  ConfigPrintOptions opts;
  bool value_only = false;
  for (const auto& o : parser.parse(ctx.args, pos)) {
    if (o.letter == 'a') opts.all = true;
    if (o.letter == 'n' || o.letter == 'N') opts.all = false;
    if (o.letter == 'P') opts.show_secrets = true;
    if (o.letter == 'h') value_only = true;
  }
  opts.version = "0.1.0";
  struct utsname u;
  if (::uname(&u) == 0)
    opts.os_line = std::string(u.sysname) + " " + u.release + " " + u.machine;
  const Config& cfg = ctx.env.config();
  if (pos == ctx.args.size()) {
    ctx.out << format_config(cfg, opts);
    return 0;
  }
  int rc = 0;
  for (; pos < ctx.args.size(); ++pos) {
    auto v = format_config_value(cfg, ctx.args[pos], value_only, opts);
    if (!v) {
      ctx.err << ctx.program << ": Error: Unknown setting: " << ctx.args[pos] << "\n";
      rc = kExitConfig;
      continue;
    }
    ctx.out << *v;
    if (!v->empty() && v->back() != '\n') ctx.out << '\n';
  }
  return rc;
}

}  // namespace roost::cli
