#include <catch2/catch.hpp>

#include "formats/maildir/maildir_filename.hpp"
#include "formats/maildir/maildir_keywords.hpp"
#include "formats/maildir/maildir_uidlist.hpp"
#include "formats/list/subscriptions_file.hpp"
#include "formats/model/flags.hpp"

using namespace roost;

TEST_CASE("maildir file names: base, sizes, info letters", "[maildir][parse]") {
  auto n = parse_maildir_filename("1795385548.M810023P25477.vm,S=216,W=225:2,DRab");
  CHECK(n.base == "1795385548.M810023P25477.vm,S=216,W=225");
  CHECK(n.has_info);
  CHECK(n.info == "DRab");
  CHECK(maildir_size_extra(n.base, 'S') == 216u);
  CHECK(maildir_size_extra(n.base, 'W') == 225u);
  CHECK_FALSE(maildir_size_extra("1.2.host,S=12x", 'S'));
  CHECK_FALSE(maildir_size_extra("1.2.host,S=", 'S'));
  CHECK_FALSE(maildir_size_extra("1.2.host", 'W'));
  CHECK(maildir_size_extra("1.2.host,S=5:2,S", 'S') == 5u);
  auto f = parse_maildir_info("DRab");
  CHECK(f.system == (kFlagDraft | kFlagAnswered));
  CHECK(f.keyword_slots == std::vector<int>{0, 1});
  // Garbage after ":2," is tolerated: unknown letters are kept on rename.
  CHECK(parse_maildir_info("S?!z").system == kFlagSeen);
  CHECK(update_maildir_info("PS?", kFlagFlagged, {2}) == "?FPc");
  CHECK(update_maildir_info("S,extra", kFlagSeen | kFlagDeleted, {}) == "ST,extra");
  CHECK(update_maildir_info("", 0, {}) == "");
  auto plain = parse_maildir_filename("1700000001.mta.host");
  CHECK_FALSE(plain.has_info);
  CHECK(format_maildir_filename(plain) == "1700000001.mta.host");
  auto courier = parse_maildir_filename("x:1,foo");
  CHECK(courier.other_info == "1,foo");
  CHECK(format_maildir_filename(courier) == "x:1,foo");
  CHECK(valid_maildir_base_name("abc"));
  CHECK_FALSE(valid_maildir_base_name("a b"));
  CHECK_FALSE(valid_maildir_base_name("../x"));
  CHECK(generate_maildir_base_name() != generate_maildir_base_name());
}

TEST_CASE("dovecot-uidlist v3 and v1 parse and write", "[maildir][parse]") {
  std::string v3 =
      "3 V1795385548 N5 Gdfd76a2ecc68036b8063000083ecc375 Zfuture\n"
      "1 :1795385548.M778742P25472.vm,S=216,W=225\n"
      "3 GMsg-guid O1 P:uidl W102 :1795385548.M810023P25477.vm,S=216\n";
  auto r = parse_uidlist(v3);
  CHECK(r.error.empty());
  CHECK(r.list.uidvalidity == 1795385548u);
  CHECK(r.list.next_uid == 5u);
  CHECK(r.list.guid == "dfd76a2ecc68036b8063000083ecc375");
  REQUIRE(r.list.records.size() == 2);
  CHECK(*r.list.records[1].find_ext('G') == "Msg-guid");
  CHECK(*r.list.records[1].find_ext('P') == ":uidl");
  CHECK(serialize_uidlist(r.list) == v3);  // unknown header keys kept

  auto v1 = parse_uidlist("1 1234 10\n3 a:2,S\n7 b\n");
  CHECK(v1.error.empty());
  CHECK(v1.list.version == 1);
  CHECK(v1.list.records.size() == 2);
  CHECK(v1.list.records[0].name == "a");

  auto torn = parse_uidlist("3 V1 N9\n1 :a\n2 :b\n3 :c");
  CHECK_FALSE(torn.error.empty());
  CHECK(torn.header_ok);
  CHECK(torn.list.records.size() == 2);
  CHECK(parse_uidlist("3 V0 N1\n").error.find("uidvalidity") != std::string::npos);
  CHECK_FALSE(parse_uidlist("3 V1 N5\n2 :a\n1 :b\n").error.empty());
  CHECK_FALSE(parse_uidlist("3 V1 N5\nx :a\n").error.empty());
  CHECK_FALSE(parse_uidlist("3 V1 N5\n1 :a/b\n").error.empty());
  CHECK_FALSE(parse_uidlist("2 V1 N5\n").error.empty());
  CHECK_FALSE(parse_uidlist("").error.empty());
  // A record at or above N raises N (never lowered, never reused).
  CHECK(parse_uidlist("3 V1 N2\n7 :a\n").list.next_uid == 8u);
  // The same file twice: the later UID wins.
  auto dup = parse_uidlist("3 V1 N9\n1 :a\n4 :a\n");
  REQUIRE(dup.list.records.size() == 1);
  CHECK(dup.list.records[0].uid == 4u);
}

TEST_CASE("dovecot-keywords and subscriptions files", "[maildir][parse]") {
  auto kw = MaildirKeywords::parse("0 $Label1\n1 todo\n3 work\nbad\n30 x\n4 TODO\n");
  CHECK(kw.slots[0] == "$Label1");
  CHECK(kw.slots[3] == "work");
  CHECK(kw.slots[4].empty());  // duplicate name (case-insensitive) ignored
  CHECK(kw.find("TODO") == 1);
  bool added = false;
  CHECK(kw.find_or_add("new", added) == 2);
  CHECK(added);
  CHECK(kw.serialize() == "0 $Label1\n1 todo\n2 new\n3 work\n");

  std::string v2 = "V\t2\n\nINBOX\nSub\tChild\n";
  CHECK(parse_subscriptions(v2, '/') == std::vector<std::string>{"INBOX", "Sub/Child"});
  CHECK(parse_subscriptions(v2, '.') == std::vector<std::string>{"INBOX", "Sub.Child"});
  CHECK(serialize_subscriptions({"INBOX", "Sub/Child"}, '/') == v2);
  CHECK(parse_subscriptions("inbox\nA.B\n", '.') == std::vector<std::string>{"INBOX", "A.B"});
  CHECK(serialize_subscriptions({"a\tb/c"}, '/') == "V\t2\n\na\001tb\tc\n");
  // On disk each level is modified UTF-7 (as Dovecot writes it); the model's
  // names are UTF-8. The UTF8 location option keeps UTF-8 on disk.
  std::string m7 = "V\t2\n\nEntw&APw-rfe\nWork\tRoost &- Co\n";
  std::vector<std::string> utf8 = {"Entw\xc3\xbcrfe", "Work/Roost & Co"};
  CHECK(parse_subscriptions(m7, '/') == utf8);
  CHECK(serialize_subscriptions(utf8, '/') == m7);
  CHECK(parse_subscriptions(m7, '/', true) ==
        std::vector<std::string>{"Entw&APw-rfe", "Work/Roost &- Co"});
  CHECK(serialize_subscriptions(utf8, '/', true) == "V\t2\n\nEntw\xc3\xbcrfe\nWork\tRoost & Co\n");
  // Not valid modified UTF-7: taken as it is.
  CHECK(parse_subscriptions("V\t2\n\nA&B\n", '/') == std::vector<std::string>{"A&B"});
}
