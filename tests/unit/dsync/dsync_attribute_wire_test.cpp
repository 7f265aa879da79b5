// The A (mailbox_attribute) item on the wire, as dsync-ibc-stream.c sends
// it: type p/s, key, value inline or as a dot-stuffed "stream" body,
// deleted flag, last_change and modseq in decimal (omitted when 0).
#include <catch2/catch.hpp>

#include "dsync/dsync_wire.hpp"
#include "lib/error.hpp"

namespace roost::dsync {

TEST_CASE("dsync wire: attributes encode like Dovecot and decode back", "[dsync][attributes]") {
  MailboxAttributeItem set;
  set.type = AttributeType::kShared;
  set.key = "vendor/x";
  set.value = "two\nlines";
  set.last_change = 1700000000;
  set.modseq = 12;
  MailboxAttributeItem gone;
  gone.key = "comment";
  gone.deleted = true;
  CHECK(encode_item(set) == "As\tvendor/x\ttwo\001nlines\t\002\t\002\t1700000000\t12\n");
  CHECK(encode_item(gone) == "Ap\tcomment\t\002\t\002\t\n");
  MailboxItem b;
  b.has_attr_digest = true;
  b.attr_digest = 99;
  WireDecoder d;
  d.feed(encode_preamble() + encode_item(set) + encode_item(gone) + encode_item(b));
  auto x = d.next();
  REQUIRE(x);
  auto* a = std::get_if<MailboxAttributeItem>(&*x);
  REQUIRE(a);
  CHECK(a->type == AttributeType::kShared);
  CHECK(a->key == "vendor/x");
  CHECK(a->value == "two\nlines");
  CHECK(a->last_change == 1700000000);
  CHECK(a->modseq == 12);
  CHECK(!a->deleted);
  x = d.next();
  REQUIRE(x);
  a = std::get_if<MailboxAttributeItem>(&*x);
  REQUIRE(a);
  CHECK(a->type == AttributeType::kPrivate);
  CHECK(a->deleted);
  x = d.next();
  REQUIRE(x);
  auto* box = std::get_if<MailboxItem>(&*x);
  REQUIRE(box);
  CHECK(box->has_attr_digest);
  CHECK(box->attr_digest == 99);
}

TEST_CASE("dsync wire: decodes the attribute lines Dovecot 2.3.19 sent", "[dsync][attributes]") {
  // Captured from `doveadm sync` (master) against `roost dsync-server` after
  // `doveadm mailbox metadata set ... Work /private/comment "from dovecot"`
  // (mail_attribute_dict = file:...): Dovecot's A header, then the item; a
  // dict-stored attribute comes without last_change and modseq.
  std::string bytes =
      "VERSION\tdsync\t3\t5\n"
      "Hhostname\nSmailbox_guid\nNname\nDhierarchy_sep\nBmailbox_guid\n"
      "Atype\tkey\tvalue\tstream\tdeleted\tlast_change\tmodseq\n"
      "Ctype\nRguid\nMguid\n.\n"
      "Ap\tcomment\tfrom dovecot\n.\n";
  WireDecoder d;
  d.feed(bytes);
  auto x = d.next();
  REQUIRE(x);
  auto* a = std::get_if<MailboxAttributeItem>(&*x);
  REQUIRE(a);
  CHECK(a->type == AttributeType::kPrivate);
  CHECK(a->key == "comment");
  CHECK(a->value == "from dovecot");
  CHECK(!a->deleted);
  CHECK(a->last_change == 0);
  CHECK(a->modseq == 0);
  x = d.next();
  REQUIRE(x);
  CHECK(std::holds_alternative<EndOfList>(*x));
}

TEST_CASE("dsync wire: an attribute value sent as a stream", "[dsync][attributes]") {
  // Dovecot sends big values as a body after the line ("stream" set),
  // dot-stuffed and ended by CRLF.CRLF; it may arrive in pieces.
  std::string bytes = encode_preamble() +
                      "Ap\tbig\t\002\t\t\002\t\002\t7\n"
                      "..first\nsecond\r\n.\r\n"
                      ".\n";
  WireDecoder d;
  std::vector<Item> items;
  for (char c : bytes) {
    d.feed(std::string_view(&c, 1));
    while (auto it = d.next()) items.push_back(std::move(*it));
  }
  REQUIRE(items.size() == 2);
  auto* a = std::get_if<MailboxAttributeItem>(&items[0]);
  REQUIRE(a);
  CHECK(a->key == "big");
  CHECK(a->value == ".first\nsecond");
  CHECK(a->modseq == 7);
  CHECK(std::holds_alternative<EndOfList>(items[1]));
}

TEST_CASE("dsync wire: a bad attribute is a protocol error", "[dsync][attributes]") {
  WireDecoder d;
  d.feed(encode_preamble() + "Ax\tkey\n");
  CHECK_THROWS_AS(d.next(), Error);
  WireDecoder e;
  e.feed(encode_preamble() + "Ap\t\n");
  CHECK_THROWS_AS(e.next(), Error);
}

}  // namespace roost::dsync
