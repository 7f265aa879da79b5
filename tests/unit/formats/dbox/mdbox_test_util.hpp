#pragma once
// Helpers shared by the mdbox unit tests.
#include <stdlib.h>
#include <catch2/catch.hpp>

#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "formats/dbox/mdbox_storage.hpp"
#include "tests/unit/formats/dbox/dbox_test_util.hpp"
#include "lib/fsutil.hpp"

namespace roost::test {

inline std::string mdbox_tmp() {
  char t[] = "/tmp/roost-mdbox-test-XXXXXX";
  REQUIRE(::mkdtemp(t));
  return t;
}

inline std::unique_ptr<MdboxStorage> mdbox_at(const std::string& root, const std::string& alt = "",
                                              const std::string& rotate = "", bool fsync = false) {
  MailLocation loc;
  loc.format = "mdbox";
  loc.root = root;
  loc.alt = alt;
  StorageSettings s;
  s.fsync = fsync;
  s.separator = '/';
  if (!rotate.empty()) s.settings["mdbox_rotate_size"] = rotate;
  return std::make_unique<MdboxStorage>(loc, s);
}

using dbox_test::slurp;

inline uint32_t save_msg(Mailbox& box, const std::string& msg, const std::string& flags = "") {
  return dbox_test::save_one(box, msg, flags);
}

inline std::string test_msg(int n, const std::string& extra = "") {
  return "From: a@example.com\nSubject: message " + std::to_string(n) + "\nMessage-ID: <m" +
         std::to_string(n) + "@example.com>\n\nbody " + std::to_string(n) + "\n" + extra;
}

}  // namespace roost::test
