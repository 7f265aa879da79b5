#include "server/auth/passdb.hpp"

#include <shadow.h>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"
#include "server/auth/password_scheme.hpp"
#include "server/auth/passwd_file.hpp"

namespace roost {

namespace {

struct Found {
  std::string password;  // "{SCHEME}..." or bare (default scheme)
  std::string default_scheme;
  AuthFields fields;
  bool nopassword = false;
};

}  // namespace

PassDb::PassDb(const Config& config) {
  username_format_ = config.get("auth_username_format");
  for (const ConfigSection* sec : config.sections("passdb")) {
    PassdbSettings db;
    db.driver = sec->get("driver");
    db.args = sec->get("args");
    db.default_fields = sec->get("default_fields");
    db.override_fields = sec->get("override_fields");
    db.master = to_lower(sec->get("master")) == "yes";
    db.where = "passdb " + db.driver +
               (sec->file.empty() ? "" : " at " + sec->file + ":" + std::to_string(sec->line));
    if (to_lower(sec->get("deny")) == "yes") continue;  // deny lists only restrict logins
    if (db.driver != "passwd-file" && db.driver != "shadow" && db.driver != "static") {
      throw Error(kExitConfig, db.where + ": passdb driver '" + db.driver +
                                   "' is not supported by Roost (use passwd-file, shadow or "
                                   "static)");
    }
    passdbs_.push_back(std::move(db));
  }
}

PassdbResult PassDb::verify_password(const std::string& user_in, const std::string& plaintext,
                                     AuthFields* extra_fields) const {
  std::string user =
      username_format_.empty() ? user_in : auth_vars(user_in).expand(username_format_);
  bool mismatch = false;
  for (const PassdbSettings& db : passdbs_) {
    if (db.master) continue;
    std::optional<Found> found;
    VarExpander vars = auth_vars(user);
    if (db.driver == "passwd-file") {
      PasswdFileArgs args = parse_passwd_file_args(db.args);
      std::string path = vars.expand(args.path);
      std::optional<std::string> text = read_file_if_exists(path);
      if (!text) throw Error(kExitConfig, db.where + ": passwd-file " + path + " does not exist");
      auto entries = parse_passwd_file(*text);
      if (const PasswdFileEntry* e = find_passwd_file_entry(entries, vars.expand(args.username_format))) {
        found = Found{e->password, args.scheme, {}, false};
        for (const std::string& f : e->extra_fields) {
          if (f.rfind("userdb_", 0) == 0) continue;
          size_t eq = f.find('=');
          std::string k = f.substr(0, eq);
          if (k == "nopassword") found->nopassword = true;
          set_auth_field(found->fields, k, eq == std::string::npos ? "" : f.substr(eq + 1));
        }
      }
    } else if (db.driver == "shadow") {
      struct spwd sp {};
      struct spwd* result = nullptr;
      std::vector<char> buf(16384);
      if (getspnam_r(user.c_str(), &sp, buf.data(), buf.size(), &result) == 0 && result != nullptr) {
        found = Found{sp.sp_pwdp ? sp.sp_pwdp : "", "CRYPT", {}, false};
      }
    } else if (db.driver == "static") {
      Found f;
      f.default_scheme = "PLAIN";
      for (auto& [k, v] : expand_field_template(db.args, vars)) {
        if (k == "password") f.password = v;
        else if (k == "nopassword") f.nopassword = true;
        else set_auth_field(f.fields, k, v);
      }
      found = f;
    }
    if (!found) continue;
    bool ok = false;
    if (found->password.empty()) {
      ok = found->nopassword;
    } else {
      ok = roost::verify_password(found->password, plaintext, found->default_scheme);
    }
    if (ok) {
      if (extra_fields != nullptr) {
        AuthFields fields = expand_field_template(db.default_fields, vars);
        for (auto& [k, v] : found->fields) set_auth_field(fields, k, v);
        for (auto& [k, v] : expand_field_template(db.override_fields, vars)) {
          set_auth_field(fields, k, v);
        }
        *extra_fields = std::move(fields);
      }
      return PassdbResult::kOk;
    }
    mismatch = true;
  }
  return mismatch ? PassdbResult::kPasswordMismatch : PassdbResult::kUserUnknown;
}

}  // namespace roost
