#pragma once
// Pure parser for dovecot.conf syntax. All file system and environment access
// goes through ConfigSource, so the parser can be fuzzed and unit-tested on
// in-memory files.
//
// Syntax: `key = value` (whole value in "..." or '...' is unquoted), `# comment`
// (a '#' outside quotes ends the line), `type [name] {` ... `}` sections,
// `!include path` / `!include_try path` (globs, relative to the including file),
// `key = <file` (value read from the file), `$key` tokens replaced by earlier
// values (`mail_plugins = $mail_plugins quota`), `$ENV:NAME`, and a trailing
// backslash continuing the line. Named sections with the same type and name
// are merged (conf.d files add to `namespace inbox`), unnamed ones are not.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/config.hpp"

namespace roost {

class ConfigSource {
 public:
  virtual ~ConfigSource() = default;
  // File contents, or nullopt with `error` set ("No such file or directory").
  virtual std::optional<std::string> read(const std::string& path, std::string& error) = 0;
  // Paths matching a glob pattern, sorted; empty when nothing matches.
  virtual std::vector<std::string> glob(const std::string& pattern) = 0;
  // An environment variable for `$ENV:NAME`.
  virtual std::optional<std::string> getenv(const std::string& name) = 0;
};

// Parses `text` as the contents of file `path`. Errors throw
// roost::Error(kExitConfig, "Error in configuration file <file> line <n>: <what>").
Config parse_config(std::string_view text, const std::string& path, ConfigSource& source);

}  // namespace roost
