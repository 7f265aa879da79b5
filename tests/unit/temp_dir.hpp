#pragma once
// A temporary directory for one test, removed with everything in it at the
// end; under $TMPDIR when it is set, else /tmp.
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "lib/fsutil.hpp"

namespace roost::test {

struct TempDir {
  std::string path;
  explicit TempDir(const std::string& prefix = "roost-test") {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
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

}  // namespace roost::test
