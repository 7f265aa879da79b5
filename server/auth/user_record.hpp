#pragma once
// The result of a userdb lookup (D67, D83).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roost {

struct UserRecord {
  std::string user;  // the user name after auth_username_format / userdb changes
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::string home;  // "" = none returned
  std::string mail;  // per-user mail_location override ("" = use the config's)
  // Every other userdb field (quota_rule, mail_plugins, system_groups_user...)
  // in the order the userdb returned them.
  std::vector<std::pair<std::string, std::string>> fields;

  const std::string* field(std::string_view key) const {
    for (const auto& [k, v] : fields) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

}  // namespace roost
