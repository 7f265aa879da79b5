#include <catch2/catch.hpp>

#include "dsync/dsync_state.hpp"
#include "dsync/dsync_wire.hpp"
#include "lib/error.hpp"

namespace roost::dsync {

TEST_CASE("dsync wire: items survive encode/decode, bodies are dot-stuffed", "[dsync]") {
  WireDecoder d;
  std::string bytes = encode_preamble();
  Mail m;
  m.guid = "g1";
  m.has_body = true;
  m.body = ".starts with dot\nx\n.\n..\nno final newline";
  MailChange c;
  c.type = 's';
  c.uid = 7;
  c.guid = "a\tb";
  c.modseq = 41;
  c.final_flags = 0x28;  // \Recent is dropped on decode
  c.keyword_changes = {"=$Work"};
  TreeNode n;
  n.name = {"Sub", "Child"};
  n.mailbox_guid = Guid128::generate();
  n.subscribed = true;
  bytes += encode_item(m) + encode_item(c) + encode_item(n) + encode_item(EndOfList{});
  CHECK(bytes.find("M g1") == std::string::npos);
  CHECK(bytes.find("..starts with dot\nx\n..\n...\nno final newline\r\n.\r\n") !=
        std::string::npos);
  // Fed one byte at a time, as a slow pipe would.
  std::vector<Item> items;
  for (char ch : bytes) {
    d.feed(std::string_view(&ch, 1));
    while (auto it = d.next()) items.push_back(*it);
  }
  REQUIRE(items.size() == 4);
  CHECK(std::get<Mail>(items[0]).body == m.body);
  auto c2 = std::get<MailChange>(items[1]);
  CHECK(c2.guid == "a\tb");
  CHECK(c2.modseq == 41);
  CHECK(c2.final_flags == 0x08);
  CHECK(c2.keyword_changes == std::vector<std::string>{"=$Work"});
  auto n2 = std::get<TreeNode>(items[2]);
  CHECK(n2.name == n.name);
  CHECK(n2.subscribed);
  CHECK(n2.mailbox_guid == n.mailbox_guid);
  CHECK(std::holds_alternative<EndOfList>(items[3]));
}

TEST_CASE("dsync wire: an expunge carries its header key", "[dsync]") {
  WireDecoder d;
  MailChange e;
  e.type = 'e';
  e.uid = 9;
  e.guid = "g9";
  e.hdr_hash = "0123abcd";
  MailChange plain = e;
  plain.hdr_hash.clear();
  d.feed(encode_preamble() + encode_item(e) + encode_item(plain));
  auto e2 = std::get<MailChange>(*d.next());
  CHECK(e2.type == 'e');
  CHECK(e2.uid == 9);
  CHECK(e2.hdr_hash == "0123abcd");
  CHECK(std::get<MailChange>(*d.next()).hdr_hash.empty());
}

TEST_CASE("dsync wire: the handshake carries -n/-N namespace prefixes", "[dsync]") {
  WireDecoder d;
  Handshake all;
  all.hostname = "h";
  all.sync_namespaces = {"", "Archive/"};
  all.sync_visible_namespaces = true;
  Handshake none;
  none.hostname = "h";
  d.feed(encode_preamble() + encode_item(all) + encode_item(none));
  auto a = std::get<Handshake>(*d.next());
  CHECK(a.sync_namespaces == std::vector<std::string>{"", "Archive/"});
  CHECK(a.sync_visible_namespaces);
  auto n = std::get<Handshake>(*d.next());
  CHECK(n.sync_namespaces.empty());
  CHECK_FALSE(n.sync_visible_namespaces);
}

TEST_CASE("dsync wire: decodes Dovecot's captured lines by its headers", "[dsync]") {
  WireDecoder d;
  d.feed(encode_preamble());
  d.feed(
      "Cs\t2\t1795385151.M768833P32371.vm,S=146,W=154\t\002\t7\t\002\t2\t\002\t22\t\002\t&$Label1"
      "\t\002\tffffffffffffffff\n");
  d.feed(
      "Bd8141d2d3f67036b6f7e000083ecc375\t1795385151\t4\t3\t1\t7\t0\t\002\t\002\tflags\001tt"
      "\001t1795385151\t\t\n");
  auto c = std::get<MailChange>(*d.next());
  CHECK(c.uid == 2);
  CHECK(c.add_flags == 2);
  CHECK(c.final_flags == 2);
  CHECK(c.keyword_changes == std::vector<std::string>{"&$Label1"});
  auto b = std::get<MailboxItem>(*d.next());
  CHECK(b.uid_validity == 1795385151u);
  CHECK(b.messages_count == 3);
  CHECK(b.highest_modseq == 7);
  CHECK(b.have_guids);
  CHECK(b.have_save_guids);
}

TEST_CASE("dsync wire: garbage is a protocol error", "[dsync]") {
  WireDecoder d;
  d.feed("HTTP/1.1 200 OK\n");
  CHECK_THROWS_AS(d.next(), Error);
}

TEST_CASE("dsync state: Dovecot's captured state decodes and re-encodes", "[dsync]") {
  const std::string s =
      "AQAAAPgl/S4/"
      "ZwNrdn4AAIPsw3VBZwNrAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAA9yX9Lj9nA2t2fgAAg+zDdUBnA2sDAAAA"
      "DwAAAAAAAAAAAAAAAAAAAAMAAAC7tvkim2cDa1pKAACD7MN1Q2cDawAAAAABAAAAAAAAAAAAAAAAAAAAAAAAANgUHS0/"
      "ZwNr"
      "b34AAIPsw3U/ZwNrCQAAACgAAAAAAAAAAAAAAAAAAAAHAAAA3KnSag==";
  std::string err;
  auto st = import_state(s, err);
  REQUIRE(st);
  REQUIRE(st->size() == 4);
  auto g = *Guid128::parse("d8141d2d3f67036b6f7e000083ecc375");
  CHECK(st->at(g).last_common_uid == 9);
  CHECK(st->at(g).last_common_modseq == 40);
  CHECK(st->at(g).last_messages_count == 7);
  auto again = import_state(export_state(*st), err);
  REQUIRE(again);
  CHECK(again->size() == 4);
  CHECK_FALSE(import_state("AQAAAA==junk", err));
  CHECK(import_state("", err)->empty());
}

}  // namespace roost::dsync
