// The Dovecot index writer: what it builds reads back through Roost's
// Dovecot index reader with the same records, extensions and keywords.
#include <catch2/catch.hpp>

#include "formats/index/dovecot/index_file.hpp"
#include "formats/index/dovecot/index_view.hpp"
#include "formats/index/dovecot/index_writer.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "formats/index/dovecot/map_index.hpp"

using namespace roost;

namespace {
std::string le(uint64_t v, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
}  // namespace

TEST_CASE("dovecot index writer: an mdbox mailbox index reads back", "[dovecot-index]") {
  DovecotIndexImage img;
  img.indexid = 1795385549;
  img.uid_validity = 1795385549;
  img.next_uid = 8;
  std::string guid_hex = "b9e73214cd68036bc863000083ecc375";
  img.exts.push_back({"mdbox-hdr", le(4242, 4) + std::string(16, '\x11') + le(0, 4), 0, 0});
  img.exts.push_back({"mdbox", "", 8, 4});
  img.exts.push_back({"guid", "", 16, 1});
  img.exts.push_back({"modseq", le(9, 8) + le(1, 4) + le(0, 4), 8, 8});
  img.exts.push_back(dovecot_keywords_ext({"$Label1", "todo"}));
  for (uint32_t uid : {1u, 3u, 7u}) {
    DovecotWriteRecord r;
    r.uid = uid;
    r.flags = uid == 3 ? 0x08 | 0x40 : 0;
    r.ext = {"", le(uid + 100, 4) + le(1700000000, 4), dovecot_guid_128(guid_hex), le(uid + 1, 8),
             dovecot_keywords_record(img.exts.back(),
                                     uid == 7 ? std::vector<size_t>{0, 1} : std::vector<size_t>{})};
    img.records.push_back(r);
  }
  std::string bytes = build_dovecot_index(img);
  auto view = dovecot_index_view_from_file(parse_dovecot_index_file(bytes, "w"), "w");
  auto box = dovecot_mailbox_index_from_view(view);
  CHECK(box.uid_validity == 1795385549);
  CHECK(box.next_uid == 8);
  CHECK(box.map_uid_validity == 4242);
  REQUIRE(box.records.size() == 3);
  CHECK(box.records[1].uid == 3);
  CHECK(box.records[1].flags == 0x48);
  CHECK(box.records[1].map_uid == 103);
  CHECK(box.records[1].save_date == 1700000000);
  CHECK(box.records[1].guid == guid_hex);
  CHECK(box.records[2].keywords == std::vector<std::string>{"$Label1", "todo"});
  CHECK(box.records[0].keywords.empty());
  CHECK(box.records[2].modseq == 8);
}

TEST_CASE("dovecot index writer: an mdbox map reads back", "[dovecot-index]") {
  DovecotIndexImage img;
  img.indexid = 1;
  img.uid_validity = 77;
  img.next_uid = 3;
  img.exts = {{"map", le(5, 4) + le(0, 4), 12, 4}, {"ref", "", 2, 2}};
  DovecotWriteRecord r;
  r.uid = 2;
  r.ext = {le(4, 4) + le(16, 4) + le(306, 4), le(2, 2)};
  img.records.push_back(r);
  auto view =
      dovecot_index_view_from_file(parse_dovecot_index_file(build_dovecot_index(img), "m"), "m");
  auto map = dovecot_map_index_from_view(view);
  CHECK(map.uid_validity == 77);
  CHECK(map.highest_file_id == 5);
  REQUIRE(map.records.size() == 1);
  CHECK(map.records[0].file_id == 4);
  CHECK(map.records[0].offset == 16);
  CHECK(map.records[0].size == 306);
  CHECK(map.records[0].refcount == 2);
}

TEST_CASE("dovecot index writer: GUIDs that aren't 32 hex digits are hashed", "[dovecot-index]") {
  CHECK(dovecot_guid_128("b9e73214cd68036bc863000083ecc375").size() == 16);
  CHECK(dovecot_guid_128("b9e73214cd68036bc863000083ecc375")[0] == '\xb9');
  std::string h = dovecot_guid_128("1700000000.M1P2.host");
  CHECK(h.size() == 16);
  CHECK(h != dovecot_guid_128("1700000000.M1P3.host"));
}
