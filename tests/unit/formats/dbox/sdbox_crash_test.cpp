// Kills an sdbox writer with SIGKILL at random instants (the shared storage
// crash test) and checks the u.N files against the index each round.
#include <catch2/catch.hpp>

#include <set>

#include "lib/fsutil.hpp"
#include "tests/unit/formats/dbox/dbox_test_util.hpp"
#include "tests/unit/formats/storage_crash.hpp"

using namespace roost;
using namespace roost::test;
using namespace roost::dbox_test;

TEST_CASE("sdbox: SIGKILL at any instant loses nothing committed and reuses no UID",
          "[sdbox][crash]") {
  TempDir t;
  std::string root = t.path + "/sdbox";
  CrashRounds opt;
  opt.seed = 4242;
  run_storage_crash_rounds([&] { return open_sdbox(root, "", true); },
                           [&] {
                             // After a sync every u.N file is a message of the index and vice
                             // versa, and UIDNEXT is above every file.
                             auto box = open_sdbox(root, "", true)->open_mailbox("INBOX");
                             std::set<uint32_t> files, indexed;
                             uint32_t highest = 0;
                             for (const auto& f : list_dir(root + "/mailboxes/INBOX/dbox-Mails"))
                               if (f.rfind("u.", 0) == 0) {
                                 uint32_t uid = static_cast<uint32_t>(std::stoul(f.substr(2)));
                                 files.insert(uid);
                                 highest = std::max(highest, uid);
                               }
                             for (const auto& m : box->messages()) indexed.insert(m.uid);
                             CHECK(files == indexed);
                             CHECK(box->status().uidnext > highest);
                           },
                           opt);
}
