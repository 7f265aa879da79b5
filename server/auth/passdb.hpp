#pragma once
// The passdb facade built from the configuration's `passdb { }` blocks (D67,
// D68, D80): passwd-file, shadow and static drivers.
#include <string>
#include <vector>

#include "lib/config/config.hpp"
#include "server/auth/auth_fields.hpp"

namespace roost {

enum class PassdbResult { kOk, kPasswordMismatch, kUserUnknown };

struct PassdbSettings {
  std::string driver;
  std::string args;
  std::string default_fields;
  std::string override_fields;
  bool master = false;
  std::string where;
};

class PassDb {
 public:
  // Unsupported drivers (pam, sql, ldap, ...) are a kExitConfig error.
  explicit PassDb(const Config& config);

  // Tries the non-master passdbs in order; the first one that accepts the
  // password wins (Dovecot's result_success=return-ok, result_failure=continue).
  // kPasswordMismatch when a passdb knew the user but the password was wrong.
  PassdbResult verify_password(const std::string& user, const std::string& plaintext,
                               AuthFields* extra_fields = nullptr) const;

 private:
  std::vector<PassdbSettings> passdbs_;
  std::string username_format_;
};

}  // namespace roost
