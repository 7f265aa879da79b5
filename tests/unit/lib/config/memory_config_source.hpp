#pragma once
// An in-memory ConfigSource for parser tests.
#include <map>
#include <string>

#include "lib/config/config_parser.hpp"
#include "lib/strutil.hpp"

namespace roost::test {

class MemoryConfigSource : public ConfigSource {
 public:
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> env;

  std::optional<std::string> read(const std::string& path, std::string& error) override {
    auto it = files.find(path);
    if (it == files.end()) {
      error = "No such file or directory";
      return std::nullopt;
    }
    return it->second;
  }
  std::vector<std::string> glob(const std::string& pattern) override {
    std::vector<std::string> out;
    for (const auto& [path, text] : files) {
      if (wildcard_match(pattern, path)) out.push_back(path);
    }
    return out;
  }
  std::optional<std::string> getenv(const std::string& name) override {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  }
};

}  // namespace roost::test
