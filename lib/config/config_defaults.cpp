#include "lib/config/config_defaults.hpp"

#include <algorithm>

namespace roost {

namespace {

// Values copied from `doveconf -a` of Dovecot 2.3.19 (Debian 12) for the
// settings Roost's storage, auth and CLI code look at.
const std::vector<ConfigDefault> kGlobal = {
    {"auth_default_realm", ""},
    {"auth_master_user_separator", ""},
    {"auth_mechanisms", "plain"},
    {"auth_socket_path", "auth-userdb"},
    {"auth_username_chars",
     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@"},
    {"auth_username_format", "%Lu"},
    {"base_dir", "/run/dovecot"},
    {"disable_plaintext_auth", "yes"},
    {"doveadm_api_key", ""},
    {"doveadm_password", ""},
    {"doveadm_port", "0"},
    {"doveadm_socket_path", "doveadm-server"},
    {"dsync_alt_char", "_"},
    {"dsync_remote_cmd", "ssh -l%{login} %{host} doveadm dsync-server -u%u -U"},
    {"first_valid_gid", "1"},
    {"first_valid_uid", "500"},
    {"hostname", ""},
    {"imapc_host", ""},
    {"imapc_password", ""},
    {"imapc_port", "143"},
    {"imapc_ssl", "no"},
    {"imapc_user", ""},
    {"last_valid_gid", "0"},
    {"last_valid_uid", "0"},
    {"lock_method", "fcntl"},
    {"mail_access_groups", ""},
    {"mail_attribute_dict", ""},
    {"mail_debug", "no"},
    {"mail_fsync", "optimized"},
    {"mail_full_filesystem_access", "no"},
    {"mail_gid", ""},
    {"mail_home", ""},
    {"mail_location", ""},
    {"mail_max_keyword_length", "50"},
    {"mail_plugins", ""},
    {"mail_privileged_group", ""},
    {"mail_save_crlf", "no"},
    {"mail_shared_explicit_inbox", "no"},
    {"mail_temp_dir", "/tmp"},
    {"mail_uid", ""},
    {"mailbox_list_index", "yes"},
    {"maildir_copy_with_hardlinks", "yes"},
    {"maildir_empty_new", "no"},
    {"maildir_stat_dirs", "no"},
    {"maildir_very_dirty_syncs", "no"},
    {"mbox_dirty_syncs", "yes"},
    {"mbox_lazy_writes", "yes"},
    {"mbox_read_locks", "fcntl"},
    {"mbox_write_locks", "fcntl dotlock"},
    {"mdbox_preallocate_space", "no"},
    {"mdbox_rotate_interval", "0"},
    {"mdbox_rotate_size", "10 M"},
    {"pop3c_host", ""},
    {"pop3c_password", ""},
    {"pop3c_port", "110"},
    {"pop3c_user", "%u"},
    {"pop3_uidl_format", "%08Xu%08Xv"},
    {"postmaster_address", ""},
    {"protocols", ""},
    {"quota_full_tempfail", "no"},
    {"recipient_delimiter", "+"},
    {"ssl", "yes"},
    {"ssl_cert", ""},
    {"ssl_key", ""},
    {"state_dir", "/var/lib/dovecot"},
};

const std::vector<ConfigDefault> kNamespace = {
    {"disabled", "no"},  {"hidden", "no"},  {"ignore_on_failure", "no"},
    {"inbox", "no"},     {"list", "yes"},   {"location", ""},
    {"order", "0"},      {"prefix", ""},    {"separator", ""},
    {"subscriptions", "yes"}, {"type", "private"},
};

const std::vector<ConfigDefault> kMailbox = {
    {"auto", "no"}, {"autoexpunge", "0"}, {"autoexpunge_max_mails", "0"},
    {"comment", ""}, {"driver", ""},      {"special_use", ""},
};

const std::vector<ConfigDefault> kPassdb = {
    {"args", ""},          {"auth_verbose", "default"},
    {"default_fields", ""}, {"deny", "no"},
    {"driver", ""},        {"master", "no"},
    {"mechanisms", ""},    {"name", ""},
    {"override_fields", ""}, {"pass", "no"},
    {"result_failure", "continue"}, {"result_internalfail", "continue"},
    {"result_success", "return-ok"}, {"skip", "never"},
    {"username_filter", ""},
};

const std::vector<ConfigDefault> kUserdb = {
    {"args", ""},          {"auth_verbose", "default"},
    {"default_fields", ""}, {"driver", ""},
    {"name", ""},          {"override_fields", ""},
    {"result_failure", "continue"}, {"result_internalfail", "continue"},
    {"result_success", "return-ok"}, {"skip", "never"},
};

// plugin { } keys Roost reads. They have no defaults (doveconf -a prints
// none), so they are not in the tables above.
const std::vector<std::string_view> kPluginKeys = {"zlib_save", "zlib_save_level"};

const std::vector<ConfigDefault> kNone;

std::optional<std::string_view> find_in(const std::vector<ConfigDefault>& table,
                                        std::string_view key) {
  for (const auto& d : table) {
    if (d.key == key) return d.value;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<ConfigDefault>& global_config_defaults() { return kGlobal; }

const std::vector<ConfigDefault>& section_config_defaults(std::string_view section_type) {
  if (section_type == "namespace") return kNamespace;
  if (section_type == "mailbox") return kMailbox;
  if (section_type == "passdb") return kPassdb;
  if (section_type == "userdb") return kUserdb;
  return kNone;
}

std::optional<std::string_view> global_config_default(std::string_view key) {
  return find_in(kGlobal, key);
}

std::optional<std::string_view> section_config_default(std::string_view section_type,
                                                       std::string_view key) {
  return find_in(section_config_defaults(section_type), key);
}

bool section_type_is_used(std::string_view section_type) {
  return !section_config_defaults(section_type).empty() || section_type == "plugin";
}

bool section_key_is_used(std::string_view section_type, std::string_view key) {
  if (section_config_default(section_type, key)) return true;
  return section_type == "plugin" &&
         std::find(kPluginKeys.begin(), kPluginKeys.end(), key) != kPluginKeys.end();
}

}  // namespace roost
