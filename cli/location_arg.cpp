#include "cli/location_arg.hpp"

#include "cli/environment.hpp"
#include "formats/location/mail_location.hpp"
#include "lib/config/config.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "server/auth/userdb.hpp"

namespace roost::cli {

MailLocation expand_location_arg(Environment& env, const std::string& spec,
                                 const std::string& user) {
  VarExpander vars;
  if (!user.empty()) {
    auto rec = env.userdb().lookup(user);
    if (!rec) throw Error(kExitNoUser, "User doesn't exist: " + user);
    std::string home = rec->home;
    vars = VarExpander::for_user(rec->user, home);
    if (home.empty()) {
      std::string mail_home = env.config().get("mail_home");
      if (!mail_home.empty()) vars = VarExpander::for_user(rec->user, vars.expand(mail_home));
    }
  } else if (spec.find('%') != std::string::npos || spec.find('~') != std::string::npos) {
    throw Error(kExitUsage, "mail location '" + spec +
                                "' uses %-variables or ~, which need a user: give -u <user>, or "
                                "spell the path out");
  }
  MailLocation loc = parse_mail_location(spec, vars);
  if (loc.format.empty() || loc.format == "auto")
    throw Error(kExitUsage, "mail location '" + spec +
                                "' names no format: write it as <format>:<path>, e.g. "
                                "maildir:/backup/Maildir (formats: maildir, mbox, ...)");
  return loc;
}

std::unique_ptr<MailStorage> open_location_arg(const MailLocation& location, char separator) {
  if (!location.root.empty() && !path_exists(location.root))
    throw Error(kExitNotFound, "mail location " + location.to_string() +
                                   " not found: " + location.root +
                                   " doesn't exist (check the path and its %-variables)");
  StorageSettings settings;
  settings.separator = separator ? separator : default_separator(location);
  return open_storage(location, settings);
}

}  // namespace roost::cli
