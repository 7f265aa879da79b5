#include "server/auth/passwd_file.hpp"

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

const PasswdFileEntry* find_passwd_file_entry(const std::vector<PasswdFileEntry>& entries,
                                              std::string_view user) {
  for (const auto& e : entries) {
    if (e.user == user) return &e;
  }
  return nullptr;
}

std::vector<PasswdFileEntry> parse_passwd_file(std::string_view text) {
  std::vector<PasswdFileEntry> out;
  int linenum = 0;
  for (const std::string& raw : split(text, '\n')) {
    ++linenum;
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    std::vector<std::string> cols = split(line, ':');
    PasswdFileEntry e;
    e.line = linenum;
    e.user = cols[0];
    if (e.user.empty()) continue;
    if (cols.size() > 1) e.password = cols[1];
    // libpam-pwdfile style "hash[34]" (34 = MD5, 56 = DIGEST-MD5, else DES).
    size_t len = e.password.size();
    if (len > 4 && e.password[0] != '{' && e.password[0] != '$' && e.password[len - 1] == ']' &&
        e.password[len - 4] == '[') {
      int num = (e.password[len - 3] - '0') * 10 + (e.password[len - 2] - '0');
      std::string hash = e.password.substr(0, len - 4);
      e.password = (num == 34 ? "{PLAIN-MD5}" : num == 56 ? "{DIGEST-MD5}" : "{CRYPT}") + hash;
    }
    if (cols.size() > 2) e.uid = cols[2];
    if (cols.size() > 3) {
      e.gid = cols[3];
      e.has_userdb_info = true;
    }
    if (cols.size() > 4) e.gecos = cols[4];
    if (cols.size() > 5) e.home = cols[5];
    if (cols.size() > 6) e.shell = cols[6];
    if (cols.size() > 7) {
      std::vector<std::string> rest(cols.begin() + 7, cols.end());
      std::string extra;
      if (rest[0].empty()) {
        // Old format: an empty 8th column, then the mail location.
        rest.erase(rest.begin());
        std::string mail = join(rest, ":");
        if (!mail.empty()) extra = "userdb_mail=" + mail;
      } else {
        extra = join(rest, ":");
      }
      e.extra_fields = split_ws(extra);
    }
    if (find_passwd_file_entry(out, e.user) == nullptr) out.push_back(std::move(e));
  }
  return out;
}

PasswdFileArgs parse_passwd_file_args(std::string_view args) {
  PasswdFileArgs out;
  for (const std::string& word : split_ws(args)) {
    if (word.rfind("username_format=", 0) == 0) {
      out.username_format = word.substr(16);
    } else if (word.rfind("scheme=", 0) == 0) {
      out.scheme = to_upper(word.substr(7));
    } else if (word.find('=') != std::string::npos && word[0] != '/') {
      throw Error(kExitConfig, "passwd-file: unknown parameter in args: " + word +
                                   " (known: username_format=, scheme=)");
    } else {
      if (!out.path.empty()) {
        throw Error(kExitConfig, "passwd-file: more than one path in args: " + out.path + " " + word);
      }
      out.path = word;
    }
  }
  if (out.path.empty()) {
    throw Error(kExitConfig, "passwd-file: args needs the path of the file (e.g. args = /etc/dovecot/users)");
  }
  return out;
}

}  // namespace roost
