// Kills a Maildir writer with SIGKILL at random instants (the shared
// storage crash test) and checks the uidlist against the files each round.
#include <catch2/catch.hpp>

#include <set>

#include "formats/maildir/maildir_filename.hpp"
#include "formats/maildir/maildir_uidlist.hpp"
#include "lib/fsutil.hpp"
#include "maildir_test_util.hpp"
#include "tests/unit/formats/storage_crash.hpp"

using namespace roost;
using namespace roost::test;

TEST_CASE("maildir: SIGKILL at any instant loses nothing committed and reuses no UID",
          "[maildir][crash]") {
  TempDir t;
  std::string root = t.path + "/Maildir";
  CrashRounds opt;
  opt.seed = 12345;
  run_storage_crash_rounds(
      [&] { return open_maildir(root, '/'); },
      [&] {
        // dovecot-uidlist lists exactly the files, below N.
        auto parsed = parse_uidlist(read_file(root + "/dovecot-uidlist"));
        REQUIRE(parsed.error.empty());
        std::set<std::string> files;
        for (const char* sub : {"new", "cur"})
          for (const auto& f : list_dir(root + "/" + sub))
            files.insert(parse_maildir_filename(f).base);
        std::set<std::string> listed;
        for (const auto& r : parsed.list.records) {
          listed.insert(r.name);
          CHECK(r.uid < parsed.list.next_uid);
        }
        CHECK(listed == files);
        CHECK(open_maildir(root, '/')->open_mailbox("INBOX")->status().uidnext ==
              parsed.list.next_uid);
      },
      opt);
}
