#pragma once
// Helpers of the dbox tests (TempDir: tests/unit/temp_dir.hpp).
#include <cstdlib>
#include <istream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "formats/dbox/sdbox_storage.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/temp_dir.hpp"

namespace roost::dbox_test {

using test::TempDir;

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
