#include "cli/cli.hpp"

#include <cstring>
#include <iostream>

#include "cli/command.hpp"
#include "cli/environment.hpp"
#include "formats/builtin_drivers.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost::cli {

namespace {

// Finds the longest verb name ("mailbox status" before "mailbox") that the
// words at args[pos...] spell.
const Verb* find_verb(const std::vector<std::string>& args, size_t pos, size_t& words) {
  const Verb* best = nullptr;
  for (const auto& v : verb_table()) {
    auto parts = split(v.name, ' ');
    if (pos + parts.size() > args.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) ok = args[pos + i] == parts[i];
    if (ok && (!best || parts.size() > words)) {
      best = &v;
      words = parts.size();
    }
  }
  return best;
}

void print_usage(std::ostream& out, const std::string& program) {
  out << "usage: " << program
      << " [-Dv] [-f <formatter>] [-c <config>] [-o key=value] <command> [<args>]\n";
  for (const auto& v : verb_table()) out << "  " << v.name << " " << v.usage << "\n";
}

}  // namespace

int run(const std::vector<std::string>& args, const std::string& program, std::istream& in,
        std::ostream& out, std::ostream& err) {
  GlobalOptions global;
  size_t pos = 0;
  try {
    OptionParser parser("c:o:f:vDi:", program);
    for (const auto& o : parser.parse(args, pos)) {
      switch (o.letter) {
        case 'c': global.config_path = o.value; break;
        case 'o': global.overrides.push_back(o.value); break;
        case 'f': global.formatter = o.value; break;
        case 'v': global.verbose = true; break;
        case 'D': global.debug = global.verbose = true; break;
        default: break;  // -i instance: one instance per config here
      }
    }
    if (!global.formatter.empty()) make_printer(global.formatter, out);  // validate early
  } catch (const Error& e) {
    err << program << ": " << e.what() << "\n";
    return e.exit_code();
  }
  if (pos >= args.size()) {
    print_usage(err, program);
    return kExitUsage;
  }
  size_t words = 0;
  const Verb* verb = find_verb(args, pos, words);
  if (!verb) {
    err << program << ": Unknown command '" << args[pos] << "'\n";
    print_usage(err, program);
    return kExitUsage;
  }
  register_builtin_storage_drivers();
  Environment env(global);
  CommandContext ctx(global,
                     std::vector<std::string>(args.begin() + static_cast<long>(pos + words),
                                              args.end()),
                     out, err, in, env, program);
  try {
    int rc = verb->run(ctx);
    out.flush();
    return rc;
  } catch (const Error& e) {
    ctx.finish_output();
    err << program << ": Error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    ctx.finish_output();
    err << program << ": Internal error: " << e.what()
        << " (please report this with the command line that caused it)\n";
    return kExitSoftware;
  }
}

int run_main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::string program = argc > 0 ? basename_of(argv[0]) : "roost";
  if (program != "doveadm") program = "roost";
  std::vector<std::string> args(argv + 1, argv + argc);
  return run(args, program, std::cin, std::cout, std::cerr);
}

}  // namespace roost::cli
