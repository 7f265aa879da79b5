#pragma once
// Dovecot-style %-variable expansion for mail_location, mail_home, passwd-file
// paths and userdb templates: %u %n %d %h, %{user} %{home} ..., modifiers
// L (lower), U (upper), M (MD5 hex), H (hash), R (reverse), a width/offset
// ("%2Mu" = first 2 hex digits of MD5(user), "%1.1n" = 2nd char), %% = '%'.
#include <map>
#include <string>
#include <string_view>

namespace roost {

class VarExpander {
 public:
  VarExpander() = default;

  // The usual user variables: u/user = user, n/username = local part,
  // d/domain = domain ("" when user has no '@'), h/home = home.
  static VarExpander for_user(std::string_view user, std::string_view home = "");

  // Sets %{long_name}; a non-zero `short_name` also makes %<short_name> work.
  VarExpander& set(std::string long_name, std::string value, char short_name = 0);
  bool has(std::string_view long_name) const;
  const std::string* value(std::string_view long_name) const;

  // Expands every variable in `text`. An unknown variable or a malformed
  // %-sequence is a kExitConfig error naming it and the text.
  std::string expand(std::string_view text) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::map<char, std::string> short_names_;
};

}  // namespace roost
