#pragma once
// The in-memory form of a dovecot.conf-style configuration: global settings
// plus nested sections (namespace, passdb, userdb, service, protocol, ...).
// Everything a site's dovecot.conf contains is kept, whether Roost uses it or
// not, so `roost config` can print it back and -D can list what is ignored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

struct ConfigSetting {
  std::string key;
  std::string value;  // the effective value (file contents for `key = <file`)
  std::string raw;    // the value as written after $-expansion ("<path" kept)
  std::string file;   // where it was set ("" for -o overrides and defaults)
  int line = 0;
  // Set when `key = <file` could not be read; reading the value then fails.
  std::string file_error;
};

struct ConfigSection {
  std::string type;  // "namespace", "passdb", "service", "protocol", ... ("" = root)
  std::string name;  // the optional name after the type ("inbox", "imap", "")
  std::string file;
  int line = 0;
  std::vector<ConfigSetting> settings;  // in order; a key appears once (last wins)
  std::vector<ConfigSection> children;

  // The setting, or nullptr when not set in this section.
  const ConfigSetting* find(std::string_view key) const;
  // The value, or `fallback` when not set here. Throws kExitConfig when the
  // value was `<file` and the file could not be read.
  std::string get(std::string_view key, std::string_view fallback = "") const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // Replaces an existing value (keeping its position) or appends.
  void set(const ConfigSetting& setting);
  // Child sections of this type, in order.
  std::vector<const ConfigSection*> sections(std::string_view type) const;
  // The child with this type and name; nullptr when absent.
  const ConfigSection* section(std::string_view type, std::string_view name) const;
  ConfigSection* section(std::string_view type, std::string_view name);
  // "type name" or "type" for messages.
  std::string label() const;
};

class Config {
 public:
  Config() = default;
  explicit Config(ConfigSection root, std::string path = "")
      : root_(std::move(root)), path_(std::move(path)) {}

  // The file the configuration came from ("" when built in memory).
  const std::string& path() const { return path_; }
  const ConfigSection& root() const { return root_; }
  ConfigSection& root() { return root_; }

  // A global setting, falling back to Roost's built-in default for the
  // settings it knows (see config_defaults.hpp), else "".
  std::string get(std::string_view key) const;
  // Only what the file (or -o) set; nullopt when not set.
  std::optional<std::string> get_set(std::string_view key) const;
  bool has(std::string_view key) const { return root_.has(key); }
  // "yes"/"no" settings; anything else is a kExitConfig error naming the key.
  bool get_bool(std::string_view key) const;
  // Numeric settings; sizes accept the k/M/G suffixes ("10 M" = 10485760).
  uint64_t get_uint(std::string_view key) const;
  uint64_t get_size(std::string_view key) const;

  std::vector<const ConfigSection*> sections(std::string_view type) const {
    return root_.sections(type);
  }

  // Applies `-o key=value` overrides on top of the file. Keys may be paths
  // into sections: "namespace/inbox/prefix=INBOX/" (type/name/.../key) or
  // "plugin/quota=..." (an unnamed section). Missing sections are created.
  // A string without '=' is a kExitUsage error.
  void apply_overrides(const std::vector<std::string>& overrides);

  // Settings present in the configuration that Roost does not use, as
  // "key", "section name" or "section/key" strings, for -D listings.
  std::vector<std::string> unused_settings() const;

 private:
  ConfigSection root_;
  std::string path_;
};

}  // namespace roost
