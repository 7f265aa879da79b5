#include <catch2/catch.hpp>
#include <sstream>

#include "formats/maildir/maildir_storage.hpp"
#include "formats/model/storage.hpp"
#include "lib/fsutil.hpp"

using namespace roost;

// \Recent as Dovecot 2.3.19 shows it for a Maildir it has no index of:
// recent from the highest UID the uidlist lists on (if that mail is still in
// new/), and mail found now.
TEST_CASE("maildir: \\Recent without a Dovecot index follows the uidlist", "[maildir][recent]") {
  char tmpl[] = "/tmp/roost-recent-XXXXXX";
  std::string root = ::mkdtemp(tmpl);
  for (const char* d : {"cur", "new", "tmp"}) make_dirs(root + "/" + d);
  write_file_atomic(root + "/new/1700000000.M1P1.gen,S=12,W=13", "Subject: a\n\n");
  write_file_atomic(root + "/new/1700000000.M2P1.gen,S=12,W=13", "Subject: a\n\n");
  write_file_atomic(root + "/dovecot-uidlist",
                    "3 V1700000000 N9 G22bb07642cf8cc18dc2b5e2f9ad45299\n"
                    "1 :1700000000.M1P1.gen,S=12,W=13\n"
                    "2 :1700000000.M2P1.gen,S=12,W=13\n");
  write_file_atomic(root + "/new/1700000001.M3P1.gen,S=12,W=13", "Subject: b\n\n");
  register_maildir_driver();
  MailLocation loc;
  loc.format = "maildir";
  loc.root = root;
  auto storage = open_storage(loc, StorageSettings{});
  auto box = storage->open_mailbox("INBOX");
  const auto& msgs = box->messages();
  REQUIRE(msgs.size() == 3);
  CHECK_FALSE(msgs[0].flags.system & kFlagRecent);  // listed before
  CHECK(msgs[1].flags.system & kFlagRecent);        // the highest listed UID
  CHECK(msgs[2].flags.system & kFlagRecent);        // delivered since
  CHECK(msgs[2].uid == 9);
  CHECK(box->status().recent == 2);
  remove_tree(root);
}
