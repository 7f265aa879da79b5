// A mailbox attribute set or unset raises the mailbox's HIGHESTMODSEQ in
// every driver (as Dovecot's attribute-update log records do), durably,
// without touching a message; setting the same value again counts too
// (Dovecot writes the record without comparing).
#include <sstream>

#include <catch2/catch.hpp>

#include "formats/builtin_drivers.hpp"
#include "formats/model/storage.hpp"
#include "tests/unit/temp_dir.hpp"

namespace roost {
namespace {

std::unique_ptr<MailStorage> open_store(const std::string& format, const std::string& dir) {
  register_builtin_storage_drivers();
  MailLocation loc;
  loc.format = format;
  loc.root = dir;
  if (format == "mbox") loc.inbox = dir + "/inbox";
  StorageSettings s;
  s.fsync = false;
  return open_storage(loc, s);
}

MailboxAttribute attr(const std::string& key, const std::string& value) {
  MailboxAttribute a;
  a.type = AttributeType::kPrivate;
  a.key = key;
  a.value = value;
  return a;
}

void check_attribute_writes_raise_modseq(const std::string& format) {
  test::TempDir tmp("roost-attr-modseq");
  auto storage = open_store(format, tmp.path);
  storage->create_mailbox("Work");
  {
    auto box = storage->open_mailbox("Work");
    auto tx = box->begin();
    std::istringstream msg("From: a@example.com\nSubject: s\n\nbody\n");
    tx->save(msg, {});
    tx->commit();
  }
  auto box = storage->open_mailbox("Work");
  MailboxStatus before = box->status();
  uint64_t mail_modseq = box->messages().at(0).modseq;

  box->set_attribute(attr("comment", "one"));
  uint64_t after_set = box->status().highest_modseq;
  CHECK(after_set == before.highest_modseq + 1);

  // The same value again: Dovecot counts it as a change as well.
  box->set_attribute(attr("comment", "one"));
  uint64_t after_same = box->status().highest_modseq;
  CHECK(after_same == after_set + 1);

  MailboxAttribute shared = attr("vendor/x", "v");
  shared.type = AttributeType::kShared;
  box->set_attribute(shared);
  box->unset_attribute(AttributeType::kPrivate, "comment");
  uint64_t after_unset = box->status().highest_modseq;
  CHECK(after_unset == after_same + 2);

  // No message changed: nothing is listed as changed since before, and
  // the counts stay.
  CHECK(box->changed_since(before.highest_modseq).empty());
  CHECK(box->expunged_since(before.highest_modseq).empty());
  MailboxStatus now = box->status();
  CHECK(now.messages == before.messages);
  CHECK(now.uidnext == before.uidnext);
  CHECK(box->messages().at(0).modseq == mail_modseq);

  // Durable: another open of the storage sees it.
  storage = open_store(format, tmp.path);
  auto again = storage->open_mailbox("Work");
  CHECK(again->status().highest_modseq == after_unset);
  // A mail change afterwards takes the next modseq.
  {
    auto tx = again->begin();
    MessageFlags seen;
    seen.system = kFlagSeen;
    tx->update_flags(again->messages().at(0).uid, FlagOp::kAdd, seen);
    tx->commit();
  }
  auto changed = again->changed_since(after_unset);
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].modseq == after_unset + 1);
  CHECK(again->status().highest_modseq == after_unset + 1);
}

}  // namespace

TEST_CASE("attribute writes raise HIGHESTMODSEQ: maildir", "[maildir][attributes]") {
  check_attribute_writes_raise_modseq("maildir");
}

TEST_CASE("attribute writes raise HIGHESTMODSEQ: mbox", "[mbox][attributes]") {
  check_attribute_writes_raise_modseq("mbox");
}

TEST_CASE("attribute writes raise HIGHESTMODSEQ: sdbox", "[sdbox][attributes]") {
  check_attribute_writes_raise_modseq("sdbox");
}

TEST_CASE("attribute writes raise HIGHESTMODSEQ: mdbox", "[mdbox][attributes]") {
  check_attribute_writes_raise_modseq("mdbox");
}

}  // namespace roost
