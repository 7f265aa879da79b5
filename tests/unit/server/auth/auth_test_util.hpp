#pragma once
#include <cstdlib>
#include <string>

#include "lib/config/config_parser.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/lib/config/memory_config_source.hpp"

namespace roost::test {

// A fresh temporary directory, removed when the object goes away.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/roost-auth-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { remove_tree(path); }
};

inline Config parse_test_config(const std::string& text) {
  MemoryConfigSource src;
  return parse_config(text, "/etc/test.conf", src);
}

}  // namespace roost::test
