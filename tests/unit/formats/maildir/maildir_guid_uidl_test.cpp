#include <catch2/catch.hpp>
#include <sstream>

#include "formats/maildir/maildir_uidlist.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/formats/maildir/maildir_test_util.hpp"

using namespace roost;
using namespace roost::test;

namespace {
uint32_t save_message(Mailbox& box, const std::string& text, const SaveRequest& req) {
  auto t = box.begin();
  std::istringstream in(text);
  uint32_t uid = t->save(in, req);
  t->commit();
  return uid;
}
}  // namespace

// A GUID given by dsync and a POP3 UIDL kept by a migration go into the
// dovecot-uidlist G and P fields, where Dovecot reads them
// (tests/integration/test_maildir_dovecot_layouts.py checks that side).
TEST_CASE("maildir: a kept GUID and POP3 UIDL are written as uidlist G and P fields",
          "[maildir][uidlist]") {
  TempDir dir;
  std::string root = dir.path + "/Maildir";
  auto st = open_maildir(root, '/');
  auto inbox = st->open_mailbox("INBOX");
  SaveRequest req;
  req.guid = "0123456789abcdef0123456789abcdef";
  req.pop3_uidl = "uidl-4";
  uint32_t uid = save_message(*inbox, "Subject: four\n\nx\n", req);
  auto parsed = parse_uidlist(read_file(root + "/dovecot-uidlist"));
  REQUIRE(parsed.error.empty());
  REQUIRE(parsed.list.records.size() == 1);
  const auto& rec = parsed.list.records[0];
  CHECK(rec.uid == uid);
  REQUIRE(rec.find_ext('G'));
  CHECK(*rec.find_ext('G') == "0123456789abcdef0123456789abcdef");
  REQUIRE(rec.find_ext('P'));
  CHECK(*rec.find_ext('P') == "uidl-4");
  CHECK(inbox->messages()[0].guid == "0123456789abcdef0123456789abcdef");
  CHECK(inbox->messages()[0].pop3_uidl == "uidl-4");
}

// Another writer may add a G field to a line Roost already indexed (the
// file name stays the same): the new GUID must be seen, not the cached one.
TEST_CASE("maildir: a G field added to an indexed uidlist line changes the GUID",
          "[maildir][uidlist]") {
  TempDir dir;
  std::string root = dir.path + "/Maildir";
  auto st = open_maildir(root, '/');
  {
    auto inbox = st->open_mailbox("INBOX");
    save_message(*inbox, "Subject: one\n\nx\n", SaveRequest{});
    REQUIRE(inbox->messages().size() == 1);
  }
  std::string text = read_file(root + "/dovecot-uidlist");
  size_t line = text.find("\n1 :");
  REQUIRE(line != std::string::npos);
  text.insert(line + 3, "Gfeedfacefeedfacefeedfacefeedface ");
  write_file_atomic(root + "/dovecot-uidlist", text, 0600);
  auto inbox = open_maildir(root, '/')->open_mailbox("INBOX");
  REQUIRE(inbox->messages().size() == 1);
  CHECK(inbox->messages()[0].guid == "feedfacefeedfacefeedfacefeedface");
}

// A crash between moving a GUID-named file into new/ and writing its uidlist
// line leaves "<guid>,S=..,W=.." unlisted: found again, it gets its GUID back
// (so a resumed dsync or import doesn't copy the mail twice), G field too.
TEST_CASE("maildir: a GUID-named file the uidlist never recorded keeps its GUID",
          "[maildir][uidlist]") {
  TempDir dir;
  std::string root = dir.path + "/Maildir";
  auto st = open_maildir(root, '/');
  save_message(*st->open_mailbox("INBOX"), "Subject: listed\n\nx\n", SaveRequest{});
  std::string body = "Subject: lost line\n\ny\n";
  std::string hex = "00112233445566778899aabbccddeeff";
  write_file_atomic(root + "/new/" + hex + ",S=" + std::to_string(body.size()) +
                        ",W=" + std::to_string(body.size() + 3),
                    body, 0600);
  // Not a GUID name: the base name stays the GUID, as Dovecot reports it.
  write_file_atomic(root + "/new/1700000000.M1P2.host,S=5,W=6", "a\n\nb\n", 0600);
  auto inbox = open_maildir(root, '/')->open_mailbox("INBOX");
  REQUIRE(inbox->messages().size() == 3);
  // New files get their UIDs in name order: the GUID-named one first.
  CHECK(inbox->messages()[1].guid == hex);
  CHECK(inbox->messages()[2].guid == "1700000000.M1P2.host,S=5,W=6");
  auto parsed = parse_uidlist(read_file(root + "/dovecot-uidlist"));
  REQUIRE(parsed.list.records.size() == 3);
  REQUIRE(parsed.list.records[1].find_ext('G'));
  CHECK(*parsed.list.records[1].find_ext('G') == hex);
  CHECK_FALSE(parsed.list.records[2].find_ext('G'));
}

// A crash inside create_mailbox can leave a Maildir++ folder directory
// without cur/: it is listed, so opening it must work (Dovecot fills in the
// subdirectories too), else every later sync of that store fails.
TEST_CASE("maildir: a folder directory without cur/ opens as an empty mailbox",
          "[maildir][uidlist]") {
  TempDir dir;
  std::string root = dir.path + "/Maildir";
  auto st = open_maildir(root, '.');
  st->open_mailbox("INBOX");
  make_dirs(root + "/.Lists.dev");
  bool listed = false;
  for (const auto& b : st->list_mailboxes()) listed = listed || b.name == "Lists.dev";
  CHECK(listed);
  auto box = st->open_mailbox("Lists.dev");
  CHECK(box->messages().empty());
  save_message(*box, "Subject: in\n\nx\n", SaveRequest{});
  CHECK(open_maildir(root, '.')->open_mailbox("Lists.dev")->messages().size() == 1);
  CHECK_THROWS(st->open_mailbox("Nope"));
}
