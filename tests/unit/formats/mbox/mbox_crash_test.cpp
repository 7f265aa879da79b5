// Kills an mbox writer with SIGKILL at random instants (the shared storage
// crash test) and checks the mbox file's own structure each round.
#include <catch2/catch.hpp>
#include <stdlib.h>

#include "formats/mbox/mbox_parser.hpp"
#include "formats/mbox/mbox_storage.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/formats/storage_crash.hpp"

using namespace roost;
using namespace roost::test;

namespace {

std::unique_ptr<MboxStorage> open_store(const std::string& root) {
  MailLocation loc;
  loc.format = "mbox";
  loc.root = root;
  loc.inbox = root + "/inbox";
  return std::make_unique<MboxStorage>(loc, StorageSettings{});
}

}  // namespace

TEST_CASE("mbox: SIGKILL at any instant loses nothing committed and reuses no UID",
          "[mbox][crash]") {
  char tmpl[] = "/tmp/roost-mbox-crash-XXXXXX";
  REQUIRE(::mkdtemp(tmpl));
  std::string root = std::string(tmpl) + "/mail";
  open_store(root)->create_mailbox("INBOX");
  CrashRounds opt;
  opt.seed = 4242;
  run_storage_crash_rounds(
      [&] { return std::unique_ptr<MailStorage>(open_store(root)); },
      [&] {
        // The file itself is consistent: every message has its UID, ascending.
        auto scan = parse_mbox(read_file(root + "/inbox"));
        CHECK_FALSE(scan.needs_rewrite);
        CHECK(scan.mails.size() == open_store(root)->open_mailbox("INBOX")->messages().size());
      },
      opt);
  remove_tree(tmpl);
}
