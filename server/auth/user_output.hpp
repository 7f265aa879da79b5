#pragma once
// `doveadm user` output (A46, A47), byte for byte as Dovecot 2.3.19 prints it.
#include <optional>
#include <string>
#include <vector>

#include "lib/config/config.hpp"
#include "server/auth/user_record.hpp"

namespace roost {

struct UserLookupResult {
  std::string requested;              // the name given on the command line
  std::optional<UserRecord> record;   // nullopt = no such user
};

struct UserCommandOutput {
  std::string out;  // stdout
  std::string err;  // stderr
  int exit_code = 0;  // 0, or kExitNoUser (67) when any user was not found
};

// Formats the lookups of `doveadm user <user>...`: a "field\tvalue" header,
// then per user the rows user (only when renamed), uid, gid, home, mail, and
// every other userdb field. uid/gid/home/mail fall back to the config's
// mail_uid, mail_gid, mail_home (expanded) and mail_location like Dovecot's
// mail service does. With `show_field` (-f) only that field's value per user.
UserCommandOutput format_user_lookups(const std::vector<UserLookupResult>& results,
                                      const Config& config,
                                      const std::string& show_field = "");

}  // namespace roost
