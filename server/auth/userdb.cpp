#include "server/auth/userdb.hpp"

#include <pwd.h>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"
#include "server/auth/passwd_file.hpp"

namespace roost {

namespace {

std::string where_of(const ConfigSection& sec) {
  return sec.type + " " + sec.get("driver") +
         (sec.file.empty() ? "" : " at " + sec.file + ":" + std::to_string(sec.line));
}

std::vector<PasswdFileEntry> read_passwd_file(const std::string& path, const std::string& where) {
  std::optional<std::string> text;
  try {
    text = read_file_if_exists(path);
  } catch (const Error& e) {
    throw Error(kExitConfig, where + ": cannot read passwd-file " + path + ": " + e.what());
  }
  if (!text) {
    throw Error(kExitConfig, where + ": passwd-file " + path + " does not exist");
  }
  return parse_passwd_file(*text);
}

std::optional<struct passwd> system_user(const std::string& name, std::vector<char>& buf,
                                         std::string& name_out) {
  struct passwd pw {};
  struct passwd* result = nullptr;
  buf.resize(16384);
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  name_out = pw.pw_name;
  return pw;
}

}  // namespace

UserDb::UserDb(const Config& config) {
  username_format_ = config.get("auth_username_format");
  first_valid_uid_ = static_cast<uint32_t>(config.get_uint("first_valid_uid"));
  last_valid_uid_ = static_cast<uint32_t>(config.get_uint("last_valid_uid"));
  first_valid_gid_ = static_cast<uint32_t>(config.get_uint("first_valid_gid"));
  last_valid_gid_ = static_cast<uint32_t>(config.get_uint("last_valid_gid"));
  for (const ConfigSection* sec : config.sections("userdb")) {
    UserdbSettings db;
    db.driver = sec->get("driver");
    db.args = sec->get("args");
    db.default_fields = sec->get("default_fields");
    db.override_fields = sec->get("override_fields");
    db.where = where_of(*sec);
    if (db.driver != "passwd-file" && db.driver != "passwd" && db.driver != "static" &&
        db.driver != "prefetch") {
      throw Error(kExitConfig, db.where + ": userdb driver '" + db.driver +
                                   "' is not supported by Roost (use passwd-file, passwd or "
                                   "static)");
    }
    if (db.driver == "passwd-file") parse_passwd_file_args(db.args);  // validate early
    userdbs_.push_back(std::move(db));
  }
  for (const ConfigSection* sec : config.sections("passdb")) {
    if (sec->get("driver") != "passwd-file") continue;
    if (to_lower(sec->get("deny")) == "yes" || to_lower(sec->get("master")) == "yes") continue;
    UserdbSettings db;
    db.driver = "passwd-file";
    db.args = sec->get("args");
    db.where = where_of(*sec);
    passwd_file_passdbs_.push_back(std::move(db));
  }
}

std::string UserDb::translate_username(const std::string& user) const {
  if (username_format_.empty()) return user;
  return auth_vars(user).expand(username_format_);
}

std::optional<AuthFields> UserDb::passdb_userdb_fields(const std::string& user) const {
  if (passwd_file_passdbs_.empty()) return AuthFields{};  // nothing to check against
  for (const UserdbSettings& db : passwd_file_passdbs_) {
    PasswdFileArgs args = parse_passwd_file_args(db.args);
    std::string key = auth_vars(user).expand(args.username_format);
    auto entries = read_passwd_file(auth_vars(user).expand(args.path), db.where);
    if (const PasswdFileEntry* e = find_passwd_file_entry(entries, key)) {
      AuthFields fields;
      for (const std::string& extra : e->extra_fields) {
        if (extra.rfind("userdb_", 0) != 0) continue;
        size_t eq = extra.find('=');
        set_auth_field(fields, extra.substr(7, eq == std::string::npos ? std::string::npos : eq - 7),
                       eq == std::string::npos ? "" : extra.substr(eq + 1));
      }
      return fields;
    }
  }
  return std::nullopt;
}

std::optional<AuthFields> UserDb::lookup_in(const UserdbSettings& db,
                                            const std::string& user) const {
  AuthFields fields;
  if (db.driver == "passwd-file") {
    PasswdFileArgs args = parse_passwd_file_args(db.args);
    VarExpander vars = auth_vars(user);
    std::string key = vars.expand(args.username_format);
    auto entries = read_passwd_file(vars.expand(args.path), db.where);
    const PasswdFileEntry* e = find_passwd_file_entry(entries, key);
    // Dovecot treats a line without uid/gid columns, or with uid/gid 0, as
    // "not in this userdb".
    if (e == nullptr || !e->has_userdb_info || e->uid == "0" || e->gid == "0") return std::nullopt;
    if (!e->uid.empty()) set_auth_field(fields, "uid", e->uid);
    if (!e->gid.empty()) set_auth_field(fields, "gid", e->gid);
    if (!e->home.empty()) set_auth_field(fields, "home", e->home);
    VarExpander field_vars = auth_vars(user, e->home);
    for (const std::string& extra : e->extra_fields) {
      if (extra.rfind("userdb_", 0) != 0) continue;  // a passdb field
      size_t eq = extra.find('=');
      std::string k = extra.substr(7, eq == std::string::npos ? std::string::npos : eq - 7);
      std::string v = eq == std::string::npos ? "" : extra.substr(eq + 1);
      if (v.find('%') != std::string::npos) {
        try {
          v = field_vars.expand(v);
        } catch (const Error&) {
          // Not a variable Roost knows (e.g. %$): keep the text as written.
        }
      }
      set_auth_field(fields, std::move(k), std::move(v));
    }
    return fields;
  }
  if (db.driver == "passwd") {
    std::vector<char> buf;
    std::string name;
    auto pw = system_user(user, buf, name);
    if (!pw) return std::nullopt;
    set_auth_field(fields, "system_groups_user", name);
    set_auth_field(fields, "uid", std::to_string(pw->pw_uid));
    set_auth_field(fields, "gid", std::to_string(pw->pw_gid));
    set_auth_field(fields, "home", pw->pw_dir);
    return fields;
  }
  if (db.driver == "static") {
    VarExpander vars = auth_vars(user);
    AuthFields args = expand_field_template(db.args, vars);
    const std::string* allow = find_auth_field(args, "allow_all_users");
    if (allow == nullptr || to_lower(*allow) != "yes") {
      // Dovecot checks the user with a passdb lookup, whose userdb_* fields
      // become part of the reply before the static ones.
      std::optional<AuthFields> from_passdb = passdb_userdb_fields(user);
      if (!from_passdb) return std::nullopt;
      fields = std::move(*from_passdb);
    }
    for (auto& [k, v] : args) {
      if (k != "allow_all_users") set_auth_field(fields, k, v);
    }
    return fields;
  }
  // prefetch only works with fields a passdb returned during a login.
  return std::nullopt;
}

std::optional<UserRecord> UserDb::lookup(const std::string& user_in) const {
  std::string user = translate_username(user_in);
  for (const UserdbSettings& db : userdbs_) {
    std::optional<AuthFields> found = lookup_in(db, user);
    if (!found) continue;
    AuthFields fields = expand_field_template(db.default_fields, auth_vars(user));
    for (auto& [k, v] : *found) set_auth_field(fields, k, v);
    const std::string* home = find_auth_field(fields, "home");
    for (auto& [k, v] :
         expand_field_template(db.override_fields, auth_vars(user, home ? *home : ""))) {
      set_auth_field(fields, k, v);
    }
    return make_user_record(user, fields, db.where);
  }
  return std::nullopt;
}

std::vector<std::string> UserDb::iterate() const {
  std::vector<std::string> users;
  bool any_iterable = false;
  for (const UserdbSettings& db : userdbs_) {
    if (db.driver == "passwd-file") {
      PasswdFileArgs args = parse_passwd_file_args(db.args);
      if (args.path.find('%') != std::string::npos) {
        throw Error(kExitConfig, db.where + ": cannot list the users of passwd-file " + args.path +
                                     " (the path has %-variables)");
      }
      any_iterable = true;
      for (const auto& e : read_passwd_file(args.path, db.where)) {
        if (e.has_userdb_info && e.uid != "0" && e.gid != "0") users.push_back(e.user);
      }
    } else if (db.driver == "passwd") {
      any_iterable = true;
      setpwent();
      while (struct passwd* pw = getpwent()) {
        if (pw->pw_uid < first_valid_uid_) continue;
        if (last_valid_uid_ != 0 && pw->pw_uid > last_valid_uid_) continue;
        if (pw->pw_gid < first_valid_gid_) continue;
        if (last_valid_gid_ != 0 && pw->pw_gid > last_valid_gid_) continue;
        users.emplace_back(pw->pw_name);
      }
      endpwent();
    }
  }
  if (!any_iterable) {
    throw Error(kExitTempFail,
                "User listing failed: no userdb can list users (static and prefetch userdbs "
                "cannot iterate); configure a passwd-file or passwd userdb for -A and user '*'");
  }
  return users;
}

UserRecord make_user_record(const std::string& user, const AuthFields& fields,
                            const std::string& context) {
  UserRecord r;
  r.user = user;
  for (const auto& [k, v] : fields) {
    if (k == "uid") r.uid = resolve_uid(v, context);
    else if (k == "gid") r.gid = resolve_gid(v, context);
    else if (k == "home") r.home = v;
    else if (k == "mail") r.mail = v;
    else if (k == "user") r.user = v;
    else r.fields.emplace_back(k, v);
  }
  return r;
}

}  // namespace roost
