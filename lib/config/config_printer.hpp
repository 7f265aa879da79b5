#pragma once
// `roost config`: prints a configuration the way `doveconf` does, so admins
// can diff the two. -n (changed settings only) is the default; -a prints the
// defaults of every setting Roost knows too.
#include <optional>
#include <string>
#include <string_view>

#include "lib/config/config.hpp"

namespace roost {

struct ConfigPrintOptions {
  bool all = false;           // -a: include defaults
  bool show_secrets = false;  // -P: don't hide passwords and keys
  std::string version;        // printed in the header line
  std::string os_line;        // e.g. "Linux 6.1.0 x86_64"; "" = no OS line
};

// The whole configuration: a "# roost <version>: <path>" header, global
// settings and sections sorted by name (each section's settings sorted too),
// then the filter sections (protocol/local/remote) in file order.
std::string format_config(const Config& config, const ConfigPrintOptions& options);

// One setting or section by path: "mail_location", "namespace/inbox/prefix"
// or "namespace/inbox" (a whole section, printed like doveconf -h namespace).
// With `value_only` (doveconf -h) just the value, else "key = value".
// nullopt when there is no such setting or section.
std::optional<std::string> format_config_value(const Config& config, std::string_view path,
                                               bool value_only,
                                               const ConfigPrintOptions& options = {});

// The "value" doveconf would print for a setting: quoted when it has a '#'
// or surrounding whitespace, secrets hidden unless show_secrets.
std::string format_config_setting_value(std::string_view key, std::string_view value,
                                        bool show_secrets);

}  // namespace roost
