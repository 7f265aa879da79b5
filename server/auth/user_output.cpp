#include "server/auth/user_output.hpp"

#include "formats/location/var_expander.hpp"
#include "lib/exit_codes.hpp"

namespace roost {

namespace {

std::vector<std::pair<std::string, std::string>> rows_for(const UserLookupResult& r,
                                                          const Config& config) {
  const UserRecord& u = *r.record;
  std::vector<std::pair<std::string, std::string>> rows;
  if (u.user != r.requested) rows.emplace_back("user", u.user);
  rows.emplace_back("uid", u.uid ? std::to_string(*u.uid) : config.get("mail_uid"));
  rows.emplace_back("gid", u.gid ? std::to_string(*u.gid) : config.get("mail_gid"));
  std::string home = u.home;
  if (home.empty() && !config.get("mail_home").empty()) {
    home = VarExpander::for_user(u.user).expand(config.get("mail_home"));
  }
  rows.emplace_back("home", home);
  rows.emplace_back("mail", u.mail.empty() ? config.get("mail_location") : u.mail);
  for (const auto& [k, v] : u.fields) {
    if (k == "uid" || k == "gid" || k == "home" || k == "mail") continue;
    rows.emplace_back(k, v);
  }
  return rows;
}

}  // namespace

UserCommandOutput format_user_lookups(const std::vector<UserLookupResult>& results,
                                      const Config& config, const std::string& show_field) {
  UserCommandOutput o;
  bool first = true;
  if (show_field.empty()) {
    o.out = "field\tvalue\n";
    for (const auto& r : results) {
      if (!r.record) {
        o.out += "\nuserdb lookup: user " + r.requested + " doesn't exist\n";
        o.exit_code = kExitNoUser;
        continue;
      }
      for (const auto& [k, v] : rows_for(r, config)) o.out += k + "\t" + v + "\n";
    }
    // Dovecot writes the newline between users through stdio, which reaches
    // the terminal after the table rows: they all end up at the end.
    if (results.size() > 1) o.out.append(results.size() - 1, '\n');
    return o;
  }
  for (const auto& r : results) {
    if (!first) o.out += '\n';
    first = false;
    if (!r.record) {
      o.err += "\nuserdb lookup: user " + r.requested + " doesn't exist\n";
      o.exit_code = kExitNoUser;
      continue;
    }
    for (const auto& [k, v] : rows_for(r, config)) {
      if (k == show_field) o.out += v + "\n";
    }
  }
  return o;
}

}  // namespace roost
