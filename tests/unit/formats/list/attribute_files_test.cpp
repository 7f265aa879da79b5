// dovecot-attributes (Dovecot's dict-file layout), roost-attributes (change
// times, modseqs, tombstones) and the store every driver shares.
#include <stdlib.h>
#include <sys/stat.h>
#include <utime.h>

#include <catch2/catch.hpp>

#include "formats/list/attribute_changes_file.hpp"
#include "formats/list/attribute_dict_file.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/temp_dir.hpp"

namespace roost {
namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("roost-attr") {}
};

MailboxAttribute attr(AttributeType type, const std::string& key, const std::string& value,
                      int64_t last_change = 0) {
  MailboxAttribute a;
  a.type = type;
  a.key = key;
  a.value = value;
  a.last_change = last_change;
  return a;
}

}  // namespace

TEST_CASE("attribute dict: Dovecot's dict-file lines, tab-escaped", "[list][attributes]") {
  // As Dovecot's dict-file writes it: key line, value line, \001 escapes.
  std::string data =
      "priv/0123456789abcdef0123456789abcdef/comment\n"
      "two\001nlines\001tand a tab\n"
      "shared/0123456789abcdef0123456789abcdef/vendor/x\n"
      "\n"
      "priv/0123456789abcdef0123456789abcdef/comment\n"
      "last wins\n"
      "dangling key without value";
  AttributeDict d = parse_attribute_dict(data);
  REQUIRE(d.size() == 2);
  CHECK(d["priv/0123456789abcdef0123456789abcdef/comment"] == "last wins");
  CHECK(d["shared/0123456789abcdef0123456789abcdef/vendor/x"] == "");
  d["priv/0123456789abcdef0123456789abcdef/comment"] = "a\nb\tc\001d\re";
  std::string out = serialize_attribute_dict(d);
  CHECK(out.find("a\001nb\001tc\0011d\001re\n") != std::string::npos);
  CHECK(parse_attribute_dict(out) == d);
  CHECK(parse_attribute_dict("").empty());
}

TEST_CASE("attribute dict: keys follow index-attribute's layout", "[list][attributes]") {
  auto g = *Guid128::parse("0123456789abcdef0123456789abcdef");
  CHECK(attribute_dict_key(AttributeType::kPrivate, g, "comment") ==
        "priv/0123456789abcdef0123456789abcdef/comment");
  CHECK(attribute_dict_key(AttributeType::kShared, g, "vendor/a") ==
        "shared/0123456789abcdef0123456789abcdef/vendor/a");
}

TEST_CASE("attribute changes: round trip, torn and bad lines skipped", "[list][attributes]") {
  AttributeChanges c;
  c["priv/g/comment"] = {1700000000, 7, false, attribute_value_hash("hello")};
  c["shared/g/k\twith tab"] = {1700000001, 8, true, 0};
  std::string data = serialize_attribute_changes(c);
  AttributeChanges back = parse_attribute_changes(data);
  REQUIRE(back.size() == 2);
  CHECK(back["priv/g/comment"].value_hash == attribute_value_hash("hello"));
  CHECK(back["priv/g/comment"].modseq == 7);
  CHECK(back["shared/g/k\twith tab"].deleted);
  CHECK(back["shared/g/k\twith tab"].last_change == 1700000001);
  CHECK(parse_attribute_changes(data + "priv/g/torn\t17").size() == 2);
  CHECK(parse_attribute_changes("a\tx\t1\td\nb\t1\t2\tq\nc\t1\t2\tvzz\nd\t1\t2\n").empty());
}

TEST_CASE("attribute store: set, list, unset leaves a tombstone", "[list][attributes]") {
  TempDir dir;
  AttributeFileStore store(path_join(dir.path, kAttributeDictFile));
  auto g = Guid128::generate(), other = Guid128::generate();
  CHECK(store.empty());
  CHECK(store.list(g).empty());
  store.set(g, attr(AttributeType::kPrivate, "comment", "hello", 1000));
  CHECK(!store.empty());
  store.set(g, attr(AttributeType::kShared, "comment", "for all", 1001));
  store.set(other, attr(AttributeType::kPrivate, "comment", "elsewhere", 1002));
  auto l = store.list(g);
  REQUIRE(l.size() == 2);
  CHECK(l[0].type == AttributeType::kPrivate);
  CHECK(l[0].value == "hello");
  CHECK(l[0].last_change == 1000);
  CHECK(l[1].type == AttributeType::kShared);
  CHECK(l[1].value == "for all");
  CHECK(l[1].modseq > l[0].modseq);

  // The dict holds exactly what Dovecot's dict-file would.
  AttributeDict d = parse_attribute_dict(read_file(path_join(dir.path, kAttributeDictFile)));
  CHECK(d.size() == 3);
  CHECK(d[attribute_dict_key(AttributeType::kPrivate, g, "comment")] == "hello");

  MailboxAttribute gone = attr(AttributeType::kPrivate, "comment", "", 2000);
  gone.deleted = true;
  store.set(g, gone);
  l = store.list(g);
  REQUIRE(l.size() == 2);
  CHECK(l[0].deleted);
  CHECK(l[0].last_change == 2000);
  d = parse_attribute_dict(read_file(path_join(dir.path, kAttributeDictFile)));
  CHECK(d.count(attribute_dict_key(AttributeType::kPrivate, g, "comment")) == 0);
  CHECK(!path_exists(path_join(dir.path, std::string(kAttributeDictFile) + ".lock")));
}

TEST_CASE("attribute store: changes by another program get the dict's mtime",
          "[list][attributes]") {
  TempDir dir;
  AttributeFileStore store(path_join(dir.path, kAttributeDictFile));
  auto g = Guid128::generate();
  store.set(g, attr(AttributeType::kPrivate, "a", "1", 1000));
  store.set(g, attr(AttributeType::kPrivate, "b", "2", 1000));
  // Dovecot rewrites the dict: "a" changed, "b" removed, "c" added.
  std::string path = path_join(dir.path, kAttributeDictFile);
  AttributeDict d;
  d[attribute_dict_key(AttributeType::kPrivate, g, "a")] = "changed";
  d[attribute_dict_key(AttributeType::kPrivate, g, "c")] = "new";
  write_file_atomic(path, serialize_attribute_dict(d));
  struct utimbuf times {
    5000, 5000
  };
  REQUIRE(::utime(path.c_str(), &times) == 0);
  auto l = store.list(g);
  REQUIRE(l.size() == 3);
  CHECK((l[0].key == "a" && l[0].value == "changed" && l[0].last_change == 5000));
  CHECK((l[1].key == "b" && l[1].deleted && l[1].last_change == 5000));
  CHECK((l[2].key == "c" && l[2].value == "new" && l[2].last_change == 5000));
}

TEST_CASE("attribute names: /private/ or /shared/ and a key", "[list][attributes]") {
  CHECK_THROWS_WITH(parse_attribute_name("comment"), Catch::Contains("/private/"));
  CHECK(parse_attribute_name("/shared/vendor/x").second == "vendor/x");
  CHECK(parse_attribute_name("/private/specialuse").first == AttributeType::kPrivate);
  CHECK_THROWS_AS(parse_attribute_name("/private/"), Error);
  CHECK(attribute_name(AttributeType::kShared, "x") == "/shared/x");
}

}  // namespace roost

namespace roost {

TEST_CASE("attribute store: a deleted mailbox's attributes go with it", "[list][attributes]") {
  TempDir dir;
  AttributeFileStore store(path_join(dir.path, kAttributeDictFile));
  auto g = Guid128::generate(), other = Guid128::generate();
  store.remove_mailbox(g);  // nothing stored yet: no files appear
  CHECK(store.empty());
  store.set(g, attr(AttributeType::kPrivate, "a", "1", 1000));
  store.set(g, attr(AttributeType::kShared, "b", "2", 1000));
  store.set(other, attr(AttributeType::kPrivate, "a", "kept", 1000));
  store.remove_mailbox(g);
  CHECK(store.list(g).empty());
  REQUIRE(store.list(other).size() == 1);
  CHECK(store.list(other)[0].value == "kept");
  AttributeDict d = parse_attribute_dict(read_file(path_join(dir.path, kAttributeDictFile)));
  CHECK(d.size() == 1);
}

TEST_CASE("attribute store: mark_synced records the agreed state, set keeps it",
          "[list][attributes]") {
  TempDir dir;
  AttributeFileStore store(path_join(dir.path, kAttributeDictFile));
  auto g = Guid128::generate();
  store.set(g, attr(AttributeType::kPrivate, "a", "1", 1000));
  // An entry another program wrote (no roost-attributes line yet).
  std::string path = path_join(dir.path, kAttributeDictFile);
  AttributeDict d = parse_attribute_dict(read_file(path));
  d[attribute_dict_key(AttributeType::kPrivate, g, "b")] = "from dovecot";
  write_file_atomic(path, serialize_attribute_dict(d));
  auto l = store.list(g);
  REQUIRE(l.size() == 2);
  CHECK(l[0].synced_hash == 0);
  MailboxAttribute stale = l[1];
  stale.value = "something else";  // not what the store holds: ignored
  store.mark_synced(g, {l[0], l[1], stale});
  auto after = store.list(g);
  REQUIRE(after.size() == 2);
  CHECK(after[0].synced_hash == attribute_state_hash(l[0]));
  CHECK(after[1].synced_hash == attribute_state_hash(l[1]));
  CHECK(after[1].value == "from dovecot");
  CHECK(after[1].last_change == l[1].last_change);
  // A later change keeps the agreed hash (so the change shows against it).
  store.set(g, attr(AttributeType::kPrivate, "a", "2", 2000));
  auto changed = store.list(g);
  CHECK(changed[0].value == "2");
  CHECK(changed[0].synced_hash == attribute_state_hash(l[0]));
  CHECK(attribute_state_hash(changed[0]) != changed[0].synced_hash);
}

}  // namespace roost
