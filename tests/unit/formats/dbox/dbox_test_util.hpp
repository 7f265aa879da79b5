#pragma once
// Helpers of the dbox tests: a temp directory removed at the end.
#include <cstdlib>
#include <istream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "formats/dbox/sdbox_storage.hpp"
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

inline std::unique_ptr<SdboxStorage> open_sdbox(const std::string& root,
                                                const std::string& alt = "", bool fsync = false) {
  MailLocation loc;
  loc.format = "sdbox";
  loc.root = root;
  loc.alt = alt;
  StorageSettings s;
  s.fsync = fsync;
  return std::make_unique<SdboxStorage>(loc, s);
}

inline std::string slurp(std::istream& in) {
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline uint32_t save_one(Mailbox& box, const std::string& msg, const std::string& flags = "") {
  auto t = box.begin();
  std::istringstream in(msg);
  SaveRequest req;
  req.flags = parse_flag_list(flags);
  uint32_t uid = t->save(in, req);
  t->commit();
  return uid;
}

}  // namespace roost::dbox_test
