#pragma once
// Helpers of the dbox tests: a temp directory removed at the end.
#include <cstdlib>
#include <string>

#include "lib/fsutil.hpp"

namespace roost::dbox_test {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/roost-dbox-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    try {
      remove_tree(path);
    } catch (...) {
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace roost::dbox_test
