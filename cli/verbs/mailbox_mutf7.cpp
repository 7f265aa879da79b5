// mailbox mutf7 [-7|-8] <name>...
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"
#include "lib/imap/mutf7.hpp"

namespace roost::cli {

// Converts names between UTF-8 and IMAP's modified UTF-7 (the on-disk form
// of Maildir folder names). -7: the input is modified UTF-7, print UTF-8.
int verb_mailbox_mutf7(CommandContext& ctx) {
  OptionParser parser("78", "mailbox mutf7");
  size_t pos = 0;
  bool from_mutf7 = false;
  for (const auto& o : parser.parse(ctx.args, pos)) from_mutf7 = o.letter == '7';
  if (pos >= ctx.args.size()) throw Error(kExitUsage, "mailbox mutf7: no names given");
  int rc = 0;
  for (; pos < ctx.args.size(); ++pos) {
    try {
      ctx.out << (from_mutf7 ? mutf7_decode(ctx.args[pos]) : mutf7_encode(ctx.args[pos]))
              << '\n';
    } catch (const Error& e) {
      ctx.err << ctx.program << ": Error: " << ctx.args[pos] << ": " << e.what() << '\n';
      rc = kExitDataErr;
    }
  }
  return rc;
}

}  // namespace roost::cli
