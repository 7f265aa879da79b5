#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/mail_user.hpp"
#include "cli/options.hpp"

namespace roost {
class Config;
class UserDb;
struct UserRecord;
}  // namespace roost

namespace roost::cli {

// The configuration and user database of one `roost` run, loaded on first
// use (so `roost help` or `roost mailbox mutf7` work without a config).
class Environment {
 public:
  explicit Environment(GlobalOptions options);
  ~Environment();

  const GlobalOptions& options() const { return options_; }
  const Config& config();
  const std::string& config_path();
  UserDb& userdb();

  // The users a -u/-A/-F selection names, in userdb order (masks expand
  // through userdb iteration). Throws Error(kExitNoUser) for a single
  // unknown user given with -u.
  std::vector<std::string> select_users(const UserSelection& sel);
  // Looks the user up and opens every namespace's storage. While the
  // returned MailUser lives, a root process runs with the user's uid/gid
  // (as doveadm does), so files it creates belong to the user.
  std::unique_ptr<MailUser> open_user(const std::string& user);

 private:
  GlobalOptions options_;
  std::unique_ptr<Config> config_;
  std::string config_path_;
  std::unique_ptr<UserDb> userdb_;
};

}  // namespace roost::cli
