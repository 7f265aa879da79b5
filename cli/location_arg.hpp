#pragma once
#include <memory>
#include <string>

#include "formats/model/storage.hpp"

namespace roost::cli {

class Environment;

// A mail location given on the command line ("mdbox:/backup/%u",
// "maildir:~/Maildir.old"), as verify and the sync verbs take them.
// %-variables and "~" are expanded for `user` from the userdb (home,
// mail_home), as in the user's own mail_location. With no user, a spec
// that needs one is a usage error. The format must be given: a location
// argument names a store, it is never autodetected.
MailLocation expand_location_arg(Environment& env, const std::string& spec,
                                 const std::string& user);

// Opens an expanded location argument with `separator` (0: the layout's
// default). A root that doesn't exist is Error(kExitNotFound): reading
// commands must not create an empty store where a copy was expected.
std::unique_ptr<MailStorage> open_location_arg(const MailLocation& location, char separator);

}  // namespace roost::cli
