#include "lib/config/config_loader.hpp"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

std::optional<std::string> FileConfigSource::read(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return ss.str();
}

std::vector<std::string> FileConfigSource::glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> FileConfigSource::getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> resolve_config_path(const std::string& explicit_path,
                                               std::vector<std::string>* tried) {
  auto note = [&](const std::string& p) {
    if (tried != nullptr) tried->push_back(p);
  };
  if (!explicit_path.empty()) {
    note(explicit_path);
    return explicit_path;
  }
  if (const char* env = std::getenv("ROOST_CONFIG"); env != nullptr && *env != '\0') {
    note(std::string(env) + " ($ROOST_CONFIG)");
    return std::string(env);
  }
  for (const char* candidate : {"/etc/roost/roost.conf", "/etc/dovecot/dovecot.conf"}) {
    note(candidate);
    if (path_exists(candidate)) return std::string(candidate);
  }
  return std::nullopt;
}

Config load_config_file(const std::string& path, const std::vector<std::string>& overrides) {
  FileConfigSource source;
  std::string error;
  std::optional<std::string> text = source.read(path, error);
  if (!text) {
    throw Error(kExitConfig, "Cannot read configuration file " + path + ": " + error +
                                 " (use -c <file> or $ROOST_CONFIG to choose another)");
  }
  Config config = parse_config(*text, path, source);
  config.apply_overrides(overrides);
  return config;
}

Config load_config(const std::string& explicit_path, const std::vector<std::string>& overrides) {
  std::vector<std::string> tried;
  std::optional<std::string> path = resolve_config_path(explicit_path, &tried);
  if (!path) {
    throw Error(kExitConfig, "No configuration file found (tried " + join(tried, ", ") +
                                 "); use -c <file> or set $ROOST_CONFIG");
  }
  return load_config_file(*path, overrides);
}

}  // namespace roost
