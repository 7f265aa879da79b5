#include "formats/location/mail_location.hpp"

#include <cctype>
#include <vector>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

// Splits on ':' where "::" is an escaped ':'.
std::vector<std::string> split_location(std::string_view spec) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == ':') {
      if (i + 1 < spec.size() && spec[i + 1] == ':') {
        parts.back() += ':';
        ++i;
      } else {
        parts.emplace_back();
      }
    } else {
      parts.back() += spec[i];
    }
  }
  return parts;
}

bool looks_like_format(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

std::string expand_home(const std::string& path, const VarExpander& vars, std::string_view spec,
                        std::string_view what) {
  if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return path;
  const std::string* home = vars.value("home");
  if (home == nullptr || home->empty()) {
    throw Error(kExitConfig, "mail_location '" + std::string(spec) + "': " + std::string(what) +
                                 " uses ~ but the user has no home directory (set mail_home or "
                                 "return home from the userdb)");
  }
  std::string h = *home;
  while (h.size() > 1 && h.back() == '/') h.pop_back();
  return path.size() <= 2 ? h : h + path.substr(1);
}

std::string strip_trailing_slash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string escape_colons(std::string_view s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == ':') out += ':';
  }
  return out;
}

}  // namespace

MailLocation parse_mail_location(std::string_view spec_in, const VarExpander& vars) {
  std::string spec = vars.expand(spec_in);
  MailLocation loc;
  if (spec.empty()) return loc;
  std::vector<std::string> parts = split_location(spec);
  size_t first_option = 1;
  if (parts.size() >= 2 && looks_like_format(parts[0])) {
    loc.format = to_lower(parts[0]);
    loc.root = parts[1];
    first_option = 2;
  } else {
    loc.root = parts[0];
  }
  if (loc.format == "auto" && loc.root.empty()) {
    // Dovecot's "auto:": detect per user in the home; nothing may follow.
    if (parts.size() > 2) {
      throw Error(kExitConfig, "mail_location '" + spec +
                                   "': auto: without a path takes no options (use just "
                                   "\"auto:\", or auto:<path>:KEY=value)");
    }
    return loc;
  }
  loc.root = strip_trailing_slash(expand_home(loc.root, vars, spec, "the root directory"));
  for (size_t i = first_option; i < parts.size(); ++i) {
    const std::string& opt = parts[i];
    if (opt.empty()) continue;
    size_t eq = opt.find('=');
    std::string key = opt.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : opt.substr(eq + 1);
    auto path_value = [&] {
      return value == "MEMORY" ? value
                               : strip_trailing_slash(expand_home(value, vars, spec, key));
    };
    if (key == "INDEX") loc.index = path_value();
    else if (key == "CONTROL") loc.control = path_value();
    else if (key == "ALT") loc.alt = path_value();
    else if (key == "INBOX") loc.inbox = path_value();
    else if (key == "LAYOUT") loc.layout = value;
    else if (key == "SUBSCRIPTIONS") loc.subscriptions = value;
    else if (key == "UTF8") loc.utf8 = true;
    else if (key == "FULLDIRNAME") {
      loc.full_dirname = true;
      loc.extra["FULLDIRNAME"] = value;
    } else if (key == "INDEXPVT" || key == "VOLATILEDIR" || key == "ITERINDEX") {
      loc.extra[key] = path_value();
    } else if (key.empty()) {
      throw Error(kExitConfig, "mail_location '" + spec + "': empty option name in '" + opt + "'");
    } else {
      loc.extra[key] = value;
    }
  }
  return loc;
}

std::string MailLocation::to_string() const {
  std::string out;
  if (!format.empty()) out = format + ":";
  out += escape_colons(root);
  auto add = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) out += ":" + std::string(key) + "=" + escape_colons(value);
  };
  add("INDEX", index);
  add("CONTROL", control);
  add("ALT", alt);
  add("INBOX", inbox);
  add("LAYOUT", layout);
  add("SUBSCRIPTIONS", subscriptions);
  if (utf8) out += ":UTF8";
  bool wrote_fulldirname = false;
  for (const auto& [key, value] : extra) {
    if (key == "FULLDIRNAME") wrote_fulldirname = true;
    out += ":" + key;
    if (!value.empty() || key == "FULLDIRNAME" || key == "DIRNAME") {
      out += "=" + escape_colons(value);
    }
  }
  if (full_dirname && !wrote_fulldirname) out += ":FULLDIRNAME=";
  return out;
}

std::optional<MailLocation> autodetect_mail_location(
    const std::string& home, const std::function<bool(const std::string&)>& is_dir,
    const std::function<bool(const std::string&)>& exists) {
  if (home.empty()) return std::nullopt;
  std::string h = strip_trailing_slash(home);
  auto make = [&](std::string format, std::string dir) {
    MailLocation loc;
    loc.format = std::move(format);
    loc.root = h + "/" + dir;
    return loc;
  };
  if (is_dir(h + "/mdbox/storage")) return make("mdbox", "mdbox");
  if (is_dir(h + "/sdbox/mailboxes")) return make("sdbox", "sdbox");
  if (is_dir(h + "/Maildir/cur")) return make("maildir", "Maildir");
  for (const char* dir : {"mail", "Mail"}) {
    std::string d = h + "/" + dir;
    if (is_dir(d) && (is_dir(d + "/.imap") || exists(d + "/inbox") || exists(d + "/mbox"))) {
      return make("mbox", dir);
    }
  }
  return std::nullopt;
}

char default_separator(const MailLocation& location) {
  if (location.format == "maildir" && location.layout != "fs" && location.layout != "index") {
    return '.';
  }
  return '/';
}

}  // namespace roost
