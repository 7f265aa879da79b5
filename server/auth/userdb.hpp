#pragma once
// The userdb facade built from the configuration's `userdb { }` blocks (D67-D70,
// D83, C09, C10): passwd-file, system passwd and static drivers, with
// default_fields / override_fields and auth_username_format.
#include <optional>
#include <string>
#include <vector>

#include "lib/config/config.hpp"
#include "server/auth/auth_fields.hpp"
#include "server/auth/user_record.hpp"

namespace roost {

struct UserdbSettings {
  std::string driver;
  std::string args;
  std::string default_fields;
  std::string override_fields;
  std::string where;  // "userdb at file:line" for messages
};

class UserDb {
 public:
  // Reads the userdb (and, for static's user check, passdb) blocks. An
  // unsupported driver (sql, ldap, ...) is a kExitConfig error naming it.
  // Without any userdb block, lookups find nobody.
  explicit UserDb(const Config& config);

  // Looks `user` up in the userdbs in order; the first that knows the user
  // wins. nullopt = no such user (doveadm's exit 67). Configuration problems
  // (unreadable passwd-file, unknown uid name) throw roost::Error.
  std::optional<UserRecord> lookup(const std::string& user) const;

  // All users, for -A and `user '*'`: passwd-file users with userdb info,
  // system users with first_valid_uid <= uid <= last_valid_uid. When no
  // userdb can list users (static only) it is a kExitTempFail error, as
  // doveadm's "user listing failed" (exit 75).
  std::vector<std::string> iterate() const;

  // The name the userdbs see: auth_username_format (default %Lu) applied.
  std::string translate_username(const std::string& user) const;

 private:
  std::optional<AuthFields> lookup_in(const UserdbSettings& db, const std::string& user) const;
  // For static userdbs: whether a passwd-file passdb knows `user`, with the
  // userdb_* fields its line carries (Dovecot adds them to the reply).
  std::optional<AuthFields> passdb_userdb_fields(const std::string& user) const;

  std::vector<UserdbSettings> userdbs_;
  std::vector<UserdbSettings> passwd_file_passdbs_;
  std::string username_format_;
  uint32_t first_valid_uid_ = 500, last_valid_uid_ = 0;
  uint32_t first_valid_gid_ = 1, last_valid_gid_ = 0;
};

// Turns userdb fields into a UserRecord (uid/gid names resolved).
UserRecord make_user_record(const std::string& user, const AuthFields& fields,
                            const std::string& context);

}  // namespace roost
