#include "server/auth/auth_fields.hpp"

#include <grp.h>
#include <pwd.h>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

void set_auth_field(AuthFields& fields, std::string key, std::string value) {
  for (auto& [k, v] : fields) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  fields.emplace_back(std::move(key), std::move(value));
}

const std::string* find_auth_field(const AuthFields& fields, std::string_view key) {
  for (const auto& [k, v] : fields) {
    if (k == key) return &v;
  }
  return nullptr;
}

AuthFields expand_field_template(std::string_view text, const VarExpander& vars) {
  AuthFields out;
  for (const std::string& word : split_ws(text)) {
    size_t eq = word.find('=');
    std::string key = word.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : vars.expand(word.substr(eq + 1));
    set_auth_field(out, std::move(key), std::move(value));
  }
  return out;
}

uint32_t resolve_uid(std::string_view value, std::string_view context) {
  if (auto n = parse_u32(value)) return *n;
  std::string name(value);
  struct passwd pw {};
  struct passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    throw Error(kExitConfig, std::string(context) + ": invalid uid '" + name +
                                 "' (not a number and no such system user)");
  }
  return pw.pw_uid;
}

uint32_t resolve_gid(std::string_view value, std::string_view context) {
  if (auto n = parse_u32(value)) return *n;
  std::string name(value);
  struct group gr {};
  struct group* result = nullptr;
  std::vector<char> buf(16384);
  if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    throw Error(kExitConfig, std::string(context) + ": invalid gid '" + name +
                                 "' (not a number and no such system group)");
  }
  return gr.gr_gid;
}

VarExpander auth_vars(std::string_view user, std::string_view home) {
  return VarExpander::for_user(user, home);
}

}  // namespace roost
