#pragma once
// passwd-file databases (D68): "user:password:uid:gid:gecos:home:shell:extra"
// where extra is a space-separated list of fields; "userdb_" prefixed ones are
// userdb fields, the rest passdb fields. Pure parsing only; the driver that
// reads files lives in userdb.cpp / passdb.cpp.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

struct PasswdFileEntry {
  std::string user;
  std::string password;  // "" = none
  std::string uid;       // as written (number or name), "" = not set
  std::string gid;
  std::string gecos;
  std::string home;
  std::string shell;
  std::vector<std::string> extra_fields;  // "key=value" or "key"
  bool has_userdb_info = false;           // has at least the uid and gid columns
  int line = 0;
};

// Parses a passwd-file, keeping file order. Comment (#) and empty lines are
// skipped; a user that appears twice keeps its first line (as Dovecot does).
std::vector<PasswdFileEntry> parse_passwd_file(std::string_view text);

// The entry for `user`, or nullptr.
const PasswdFileEntry* find_passwd_file_entry(const std::vector<PasswdFileEntry>& entries,
                                              std::string_view user);

// `args = [username_format=%u] [scheme=CRYPT] /path/%d/passwd`
struct PasswdFileArgs {
  std::string path;
  std::string username_format = "%u";
  std::string scheme = "CRYPT";
};
// Throws kExitConfig when no path is given or an option is unknown.
PasswdFileArgs parse_passwd_file_args(std::string_view args);

}  // namespace roost
