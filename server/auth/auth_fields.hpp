#pragma once
// Helpers shared by the userdb and passdb drivers: %-variables for a user,
// "key=value key2=value2" templates (default_fields, override_fields, static
// args) and uid/gid names.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/location/var_expander.hpp"

namespace roost {

using AuthFields = std::vector<std::pair<std::string, std::string>>;

// Sets `key` (replacing an earlier value in place) or appends it.
void set_auth_field(AuthFields& fields, std::string key, std::string value);
const std::string* find_auth_field(const AuthFields& fields, std::string_view key);

// "uid=vmail home=/srv/%u" -> fields, values %-expanded with `vars`.
AuthFields expand_field_template(std::string_view text, const VarExpander& vars);

// A uid/gid given as a number or a name (getpwnam/getgrnam). A name that does
// not exist, or uid 0 where `allow_root` is false, is a kExitConfig error.
uint32_t resolve_uid(std::string_view value, std::string_view context);
uint32_t resolve_gid(std::string_view value, std::string_view context);

// The variables for looking `user` up: %u %n %d, %h = home.
VarExpander auth_vars(std::string_view user, std::string_view home = "");

}  // namespace roost
