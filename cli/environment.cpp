#include "cli/environment.hpp"

#include <fstream>
#include <iostream>
#include <map>

#include "formats/location/mail_location.hpp"
#include "formats/location/namespace_settings.hpp"
#include "formats/location/store_detection.hpp"
#include "formats/location/var_expander.hpp"
#include "lib/compress/save_compression.hpp"
#include "lib/config/config.hpp"
#include "lib/config/config_loader.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/privileges.hpp"
#include "lib/strutil.hpp"
#include "server/auth/auth_fields.hpp"
#include "server/auth/userdb.hpp"

namespace roost::cli {

namespace {

std::map<std::string, std::string> plugin_settings_of(const Config& cfg) {
  std::map<std::string, std::string> out;
  for (const ConfigSection* sec : cfg.sections("plugin"))
    for (const auto& s : sec->settings) out[s.key] = sec->get(s.key);
  return out;
}

}  // namespace

Environment::Environment(GlobalOptions options) : options_(std::move(options)) {}
Environment::~Environment() = default;

const Config& Environment::config() {
  if (!config_) {
    std::vector<std::string> tried;
    auto path = resolve_config_path(options_.config_path, &tried);
    if (!path)
      throw Error(kExitConfig, "no configuration file found (tried " + join(tried, ", ") +
                                   "): give one with -c <file> or set ROOST_CONFIG");
    config_ = std::make_unique<Config>(load_config_file(*path, options_.overrides));
    config_path_ = *path;
    if (options_.debug) {
      std::cerr << "Debug: config " << config_path_ << "\n";
      // A site's dovecot.conf is read as it is; say what Roost leaves alone.
      for (const auto& s : config_->unused_settings())
        std::cerr << "Debug: not used by roost (ignored): " << s << "\n";
    }
  }
  return *config_;
}

const std::string& Environment::config_path() {
  config();
  return config_path_;
}

UserDb& Environment::userdb() {
  if (!userdb_) userdb_ = std::make_unique<UserDb>(config());
  return *userdb_;
}

std::vector<std::string> Environment::select_users(const UserSelection& sel) {
  std::vector<std::string> out;
  auto add = [&](const std::string& u) {
    for (const auto& x : out)
      if (x == u) return;
    out.push_back(u);
  };
  if (!sel.users_file.empty()) {
    std::ifstream in(sel.users_file);
    if (!in) throw Error(kExitNoInput, "cannot read the users file " + sel.users_file);
    std::string line;
    while (std::getline(in, line)) {
      // doveadm -F takes the user name as the first TAB-separated field.
      std::string user(trim(line.substr(0, line.find('\t'))));
      if (!user.empty() && user[0] != '#') add(user);
    }
  }
  bool need_iteration = sel.all_users;
  for (const auto& m : sel.masks)
    if (m.find_first_of("*?") != std::string::npos) need_iteration = true;
  std::vector<std::string> all;
  if (need_iteration) all = userdb().iterate();
  if (sel.all_users)
    for (const auto& u : all) add(u);
  for (const auto& m : sel.masks) {
    if (m.find_first_of("*?") == std::string::npos) {
      add(m);
      continue;
    }
    for (const auto& u : all)
      if (wildcard_match(m, u)) add(u);
  }
  return out;
}

std::unique_ptr<MailUser> Environment::open_user(const std::string& user) {
  const Config& cfg = config();
  auto rec = userdb().lookup(user);
  if (!rec) throw Error(kExitNoUser, "User doesn't exist");

  std::string home = rec->home;
  VarExpander vars = VarExpander::for_user(rec->user, home);
  if (home.empty()) {
    std::string mail_home = cfg.get("mail_home");
    if (!mail_home.empty()) {
      home = vars.expand(mail_home);
      vars = VarExpander::for_user(rec->user, home);
    }
  }
  std::string location_spec = rec->mail.empty() ? cfg.get("mail_location") : rec->mail;

  // Like Dovecot's mail service: the userdb's uid/gid, else mail_uid/mail_gid.
  uint32_t uid = rec->uid ? *rec->uid
                 : cfg.get("mail_uid").empty() ? 0
                                               : resolve_uid(cfg.get("mail_uid"), "mail_uid");
  uint32_t gid = rec->gid ? *rec->gid
                 : cfg.get("mail_gid").empty() ? 0
                                               : resolve_gid(cfg.get("mail_gid"), "mail_gid");
  auto privileges = std::make_unique<EffectiveUser>(uid, gid);
  // plugin { } settings with the userdb's fields over them, as Dovecot's
  // mail_user_plugin_getenv() sees them; mail_plugins from the userdb, else
  // `protocol doveadm { }`, else the global one.
  std::map<std::string, std::string> plugin_settings = plugin_settings_of(cfg);
  for (const auto& [key, value] : rec->fields) plugin_settings[key] = value;
  std::string mail_plugins = cfg.get("mail_plugins");
  if (const ConfigSection* p = cfg.root().section("protocol", "doveadm");
      p && p->has("mail_plugins"))
    mail_plugins = p->get("mail_plugins");
  if (const std::string* f = rec->field("mail_plugins")) mail_plugins = *f;
  SaveCompression save_compression = parse_save_compression(
      mail_plugins, plugin_settings["zlib_save"], plugin_settings["zlib_save_level"]);
  // One attribute dict per user, as in Dovecot (a userdb field overrides).
  const std::string* attr_dict_field = rec->field("mail_attribute_dict");
  std::string attribute_dict =
      vars.expand(attr_dict_field ? *attr_dict_field : cfg.get("mail_attribute_dict"));
  std::vector<OpenNamespace> namespaces;
  for (const auto& ns : load_namespaces(cfg)) {
    std::string spec = ns.location.empty() ? location_spec : ns.location;
    MailLocation loc = parse_mail_location(spec, vars);
    if (!loc.root.empty() && loc.format == "auto") {
      loc.format = detect_store_format(loc.root, real_fs_probe());
    } else if (!loc.root.empty() && loc.format.empty()) {
      // A path without a format: Dovecot looks at that path first.
      auto found = store_signatures(loc.root, real_fs_probe());
      if (found.size() == 1) loc.format = found.front().format;
    }
    if (loc.format.empty() || loc.format == "auto") {
      auto found = autodetect_mail_location(
          home, [](const std::string& p) { return is_dir(p); },
          [](const std::string& p) { return path_exists(p); });
      if (!found)
        throw Error(kExitTempFail,
                    "can't tell the mail format of user " + rec->user + " (home " + home +
                        "): nothing found to detect; set mail_location explicitly or create "
                        "~/mdbox/storage, ~/Maildir/cur or ~/mail first");
      loc = *found;
    }
    StorageSettings settings;
    settings.separator = ns.separator ? ns.separator : default_separator(loc);
    settings.fsync = cfg.get("mail_fsync") != "never";
    settings.settings = plugin_settings;
    settings.save_compression = save_compression;
    settings.attribute_dict = attribute_dict;
    settings.home = home;
    settings.settings["mdbox_rotate_size"] = std::to_string(cfg.get_size("mdbox_rotate_size"));
    settings.settings["mdbox_rotate_interval"] = cfg.get("mdbox_rotate_interval");
    OpenNamespace open;
    open.prefix = ns.prefix;
    open.separator = settings.separator;
    open.inbox = ns.inbox;
    open.hidden = ns.hidden;
    open.list = ns.list != NamespaceListing::kNo;
    open.storage = open_storage(loc, settings);
    // Mailboxes configured with auto=create|subscribe exist from the first
    // use on, as in Dovecot.
    for (const auto& mb : ns.mailboxes) {
      if (mb.autocreate == MailboxAutoCreate::kNo) continue;
      if (!open.storage->mailbox_exists(mb.name)) open.storage->create_mailbox(mb.name);
      if (mb.autocreate == MailboxAutoCreate::kSubscribe) {
        auto subs = open.storage->subscriptions();
        if (std::find(subs.begin(), subs.end(), mb.name) == subs.end())
          open.storage->set_subscribed(mb.name, true);
      }
    }
    namespaces.push_back(std::move(open));
  }
  return std::make_unique<MailUser>(rec->user, std::move(namespaces), std::move(privileges));
}

}  // namespace roost::cli
