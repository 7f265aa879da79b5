#pragma once
#include <optional>
#include <string>
#include <vector>

namespace roost::cli {

// A tiny POSIX-style option parser matching doveadm's argv conventions:
// short options ("-u user", "-uuser", "-Av" bundles), "--" ends options,
// parsing stops at the first non-option (the verb or a positional).
// `spec` lists option letters; a ':' after a letter means it takes a value.
struct ParsedOption {
  char letter;
  std::string value;
};

class OptionParser {
 public:
  OptionParser(std::string spec, std::string context) : spec_(std::move(spec)), context_(std::move(context)) {}
  // Parses from args[pos]; returns the options and advances pos past them.
  // Throws Error(kExitUsage) on an unknown option or a missing value.
  std::vector<ParsedOption> parse(const std::vector<std::string>& args, size_t& pos) const;

 private:
  std::string spec_;
  std::string context_;  // e.g. "fetch", for error messages
};

// Options that come before the verb.
struct GlobalOptions {
  std::string config_path;             // -c
  std::vector<std::string> overrides;  // -o key=value
  std::string formatter;               // -f ("" = the verb's default)
  bool verbose = false;                // -v
  bool debug = false;                  // -D
};

// Options every mail verb takes after its name (doveadm's -u/-A/-F/-S).
struct UserSelection {
  std::vector<std::string> masks;  // -u (may contain * and ?)
  bool all_users = false;          // -A
  std::string users_file;          // -F
  std::string socket_path;         // -S (accepted; Roost runs commands in-process)
  bool given() const { return all_users || !masks.empty() || !users_file.empty(); }
};

}  // namespace roost::cli
