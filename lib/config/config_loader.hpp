#pragma once
// Reading a configuration from disk: the file-system ConfigSource, the
// default-path rules and `-o` overrides.
#include <optional>
#include <string>
#include <vector>

#include "lib/config/config.hpp"
#include "lib/config/config_parser.hpp"

namespace roost {

// ConfigSource backed by the real file system and environment.
class FileConfigSource : public ConfigSource {
 public:
  std::optional<std::string> read(const std::string& path, std::string& error) override;
  std::vector<std::string> glob(const std::string& pattern) override;
  std::optional<std::string> getenv(const std::string& name) override;
};

// Which configuration file to use: `explicit_path` (-c) if given; else
// $ROOST_CONFIG; else /etc/roost/roost.conf if it exists; else
// /etc/dovecot/dovecot.conf if it exists (so doveadm cron jobs keep
// working). nullopt when none exists; `tried` lists what was looked at.
std::optional<std::string> resolve_config_path(const std::string& explicit_path,
                                               std::vector<std::string>* tried = nullptr);

// Reads and parses `path`, then applies `overrides` ("key=value", -o).
// A missing or unreadable file is a kExitConfig error naming the path.
Config load_config_file(const std::string& path, const std::vector<std::string>& overrides = {});

// resolve_config_path + load_config_file. When no file exists, throws
// kExitConfig listing the paths tried (and how to point Roost at one).
Config load_config(const std::string& explicit_path,
                   const std::vector<std::string>& overrides = {});

}  // namespace roost
