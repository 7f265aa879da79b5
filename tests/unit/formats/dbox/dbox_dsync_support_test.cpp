// What dsync needs from sdbox and mdbox: Mailbox::update (GUID,
// UIDVALIDITY, UIDNEXT) reaching both Roost's index and Dovecot's files,
// message GUIDs kept as given, create_mailbox keeping a GUID, and the log
// of deleted mailboxes.
#include <catch2/catch.hpp>

#include <sstream>

#include "formats/dbox/sdbox_dovecot_import.hpp"
#include "formats/dbox/sdbox_storage.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "tests/unit/formats/dbox/dbox_test_util.hpp"
#include "tests/unit/formats/dbox/mdbox_test_util.hpp"

using namespace roost;
using namespace roost::dbox_test;

namespace {

const std::string kMsg = "From: a@example.com\nSubject: hello\n\nbody line\n";

uint32_t save_with_guid(Mailbox& box, const std::string& guid) {
  auto tx = box.begin();
  std::istringstream in(kMsg);
  SaveRequest req;
  req.guid = guid;
  uint32_t uid = tx->save(in, req);
  tx->commit();
  return uid;
}

// The same checks on either driver; `dovecot` reads Dovecot's view of the
// mailbox once the storage that wrote it is closed.
template <typename OpenStorage, typename DovecotView>
void check_update(OpenStorage open, DovecotView dovecot) {
  const Guid128 box_guid = *Guid128::parse("00112233445566778899aabbccddeeff");
  const Guid128 new_guid = *Guid128::parse("ffeeddccbbaa99887766554433221100");
  {
    auto st = open();
    st->create_mailbox("Box", box_guid);
    auto box = st->open_mailbox("Box");
    CHECK(box->status().guid == box_guid);
    CHECK(box->can_update());
    REQUIRE(box->can_save_guid());
    CHECK(save_with_guid(*box, "msg-guid-1") == 1);
    CHECK(save_with_guid(*box, "msg-guid-2") == 2);
    CHECK(box->messages()[0].guid == "msg-guid-1");

    // UIDNEXT only goes up.
    CHECK(box->update({{}, 0, 10}));
    CHECK(box->status().uidnext == 10);
    CHECK(box->update({{}, 0, 5}));
    CHECK(box->status().uidnext == 10);

    // A new UID space: UIDs stay, UIDNEXT may drop to highest + 1.
    CHECK(box->update({new_guid, 12345, 1}));
    MailboxStatus s = box->status();
    CHECK(s.guid == new_guid);
    CHECK(s.uidvalidity == 12345u);
    CHECK(s.uidnext == 3u);
    REQUIRE(box->messages().size() == 2);
    CHECK(box->messages()[1].uid == 2);
    CHECK(save_with_guid(*box, "msg-guid-3") == 3);
  }
  {
    // Durable, and what a fresh open sees.
    auto st = open();
    MailboxStatus s = st->open_mailbox("Box")->status();
    CHECK(s.uidvalidity == 12345u);
    CHECK(s.guid == new_guid);
    CHECK(s.uidnext == 4u);
  }
  DovecotMailboxIndex d = dovecot();
  CHECK(d.uid_validity == 12345u);
  CHECK(d.mailbox_guid == new_guid.hex());
  CHECK(d.next_uid == 4u);
  CHECK(d.records.size() == 3);

  // Deleted mailboxes are remembered by GUID.
  auto st = open();
  CHECK(st->deleted_mailboxes().empty());
  st->delete_mailbox("Box");
  auto deleted = st->deleted_mailboxes();
  REQUIRE(deleted.size() == 1);
  CHECK(deleted[0].guid == new_guid);
  CHECK(deleted[0].timestamp > 0);
}

}  // namespace

TEST_CASE("sdbox: update, saved GUIDs, create with GUID, deleted-mailbox log", "[sdbox]") {
  TempDir t;
  std::string root = t.path + "/root";
  check_update([&] { return open_sdbox(root); },
               [&] {
                 // Roost writes Dovecot's log of the mailbox beside its own index.
                 return load_dovecot_mailbox_index(root + "/mailboxes/Box/dbox-Mails");
               });
}

TEST_CASE("mdbox: update, saved GUIDs, create with GUID, deleted-mailbox log", "[mdbox]") {
  TempDir t;
  std::string root = t.path + "/root";
  check_update([&] { return roost::test::mdbox_at(root); },
               [&] {
                 // Written whole when the storage that changed it closes.
                 return load_dovecot_mailbox_index(root + "/mailboxes/Box/dbox-Mails");
               });
}
