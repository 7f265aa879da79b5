#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/mail_user.hpp"

namespace roost::cli {

// The parsed arguments of a mail verb: the user selection (-u/-A/-F/-S),
// the verb's own options and the positional arguments.
struct MailCommandArgs {
  UserSelection users;
  std::vector<ParsedOption> options;
  std::vector<std::string> positional;

  bool has(char letter) const;
  std::string value(char letter, const std::string& fallback = "") const;
  std::vector<std::string> values(char letter) const;
};

struct MailVerbSpec {
  std::string name;          // for messages ("fetch", "mailbox status")
  std::string option_spec;   // the verb's own options, e.g. "t" or "m:"
  size_t min_positional = 0; // usage error below this
  // Called once before the first user: declare the printer's columns.
  std::function<void(CommandContext&, MailCommandArgs&)> prepare;
  // Called for each selected user.
  std::function<void(CommandContext&, MailUser&, MailCommandArgs&)> run;
};

// Parses the arguments, selects the users and runs `spec.run` for each,
// doveadm-style: a failure for one user is reported (naming the user) and
// the others still run; the exit code is the last failure's code. When
// several users are selected, output rows start with a "username" column.
int run_mail_verb(CommandContext& ctx, const MailVerbSpec& spec);

}  // namespace roost::cli
