// plan_attributes: who wins per (type, key), for each direction.
#include <catch2/catch.hpp>

#include "dsync/dsync_attribute_plan.hpp"

namespace roost::dsync {
namespace {

MailboxAttribute live(const std::string& key, const std::string& value, int64_t t,
                      uint64_t modseq = 1) {
  MailboxAttribute a;
  a.key = key;
  a.value = value;
  a.last_change = t;
  a.modseq = modseq;
  return a;
}

MailboxAttribute gone(const std::string& key, int64_t t) {
  MailboxAttribute a;
  a.key = key;
  a.deleted = true;
  a.last_change = t;
  return a;
}

Direction kind(Direction::Kind k) {
  Direction d;
  d.kind = k;
  return d;
}

// Between two Roost sides: what this side stores.
std::vector<MailboxAttribute> plan(const std::vector<MailboxAttribute>& local,
                                   const std::vector<MailboxAttribute>& remote, bool master,
                                   const Direction& dir) {
  auto sent = attributes_to_send(local, true, dir);
  return plan_attributes(local, remote, sent, true, true, master, dir).store;
}

MailboxAttribute synced(MailboxAttribute a, const std::string& agreed_value) {
  MailboxAttribute agreed = a;
  agreed.deleted = false;
  agreed.value = agreed_value;
  a.synced_hash = attribute_state_hash(agreed);
  return a;
}

}  // namespace

TEST_CASE("attribute plan two-way: newer change wins, deletes travel", "[dsync][attributes]") {
  Direction two;
  std::vector<MailboxAttribute> a = {live("new-here", "x", 10), live("old-here", "a", 10),
                                     gone("deleted-here", 20), live("same", "v", 5)};
  std::vector<MailboxAttribute> b = {live("old-here", "b", 30), live("deleted-here", "d", 15),
                                     live("same", "v", 5), live("only-there", "o", 1),
                                     gone("never-here", 3)};
  auto on_a = plan(a, b, true, two);
  REQUIRE(on_a.size() == 2);
  CHECK((on_a[0].key == "old-here" && on_a[0].value == "b" && on_a[0].last_change == 30));
  CHECK((on_a[1].key == "only-there" && on_a[1].value == "o"));
  auto on_b = plan(b, a, false, two);
  REQUIRE(on_b.size() == 2);
  CHECK((on_b[0].key == "deleted-here" && on_b[0].deleted && on_b[0].last_change == 20));
  CHECK((on_b[1].key == "new-here" && on_b[1].value == "x"));
}

TEST_CASE("attribute plan two-way: ties pick the same winner on both sides",
          "[dsync][attributes]") {
  Direction two;
  // Same time: a value beats a tombstone.
  std::vector<MailboxAttribute> a = {live("k", "v", 10)}, b = {gone("k", 10)};
  CHECK(plan(a, b, true, two).empty());
  REQUIRE(plan(b, a, false, two).size() == 1);
  // Same time, different values: the higher modseq, then the greater value.
  a = {live("k", "from-a", 10, 5)};
  b = {live("k", "from-b", 10, 2)};
  CHECK(plan(a, b, true, two).empty());
  REQUIRE(plan(b, a, false, two).size() == 1);
  a = {live("k", "aaa", 10, 3)};
  b = {live("k", "bbb", 10, 3)};
  REQUIRE(plan(a, b, true, two).size() == 1);
  CHECK(plan(b, a, false, two).empty());
}

TEST_CASE("attribute plan backup: the destination becomes the source's", "[dsync][attributes]") {
  Direction backup = kind(Direction::Kind::kBackup);  // master is the source
  std::vector<MailboxAttribute> src = {live("k", "src", 1), live("same", "s", 1), gone("t", 1)};
  std::vector<MailboxAttribute> dst = {live("k", "dst", 99), live("same", "s", 50),
                                       live("extra", "e", 99), live("t", "old", 99)};
  CHECK(plan(src, dst, true, backup).empty());  // the source never changes
  auto on_dst = plan(dst, src, false, backup);
  REQUIRE(on_dst.size() == 3);
  CHECK((on_dst[0].key == "extra" && on_dst[0].deleted));
  CHECK((on_dst[1].key == "k" && on_dst[1].value == "src"));
  CHECK((on_dst[2].key == "t" && on_dst[2].deleted));
}

TEST_CASE("attribute plan one-way: only adds", "[dsync][attributes]") {
  Direction one = kind(Direction::Kind::kOneWay);
  std::vector<MailboxAttribute> src = {live("k", "src", 99), live("new", "n", 1), gone("x", 99)};
  std::vector<MailboxAttribute> dst = {live("k", "dst", 1), live("x", "keep", 1)};
  auto on_dst = plan(dst, src, false, one);
  REQUIRE(on_dst.size() == 1);
  CHECK((on_dst[0].key == "new" && on_dst[0].value == "n"));
}

TEST_CASE("attribute plan two-way with Dovecot: judged against the agreed value",
          "[dsync][attributes]") {
  Direction two;
  // Dovecot sends no change times. Agreed last time: "old" everywhere.
  std::vector<MailboxAttribute> local = {synced(live("changed-there", "old", 100), "old"),
                                         synced(live("changed-here", "new here", 200), "old"),
                                         synced(live("deleted-there", "old", 100), "old"),
                                         synced(live("unchanged", "old", 100), "old"),
                                         live("new-here", "n", 300),
                                         synced(live("specialuse", "\\Archive", 100), "\\Archive")};
  std::vector<MailboxAttribute> dovecot = {
      live("changed-there", "new there", 0, 0), live("changed-here", "old", 0, 0),
      live("unchanged", "old", 0, 0), live("new-there", "t", 0, 0)};
  auto sent = attributes_to_send(local, false, two);
  std::vector<std::string> sent_keys;
  for (const auto& a : sent) sent_keys.push_back(a.key);
  // Unchanged ones stay home (Dovecot would take them by their times);
  // specialuse never goes to Dovecot.
  CHECK(sent_keys == std::vector<std::string>{"changed-here", "new-here"});
  auto p = plan_attributes(local, dovecot, sent, true, false, false, two);
  REQUIRE(p.store.size() == 3);
  CHECK((p.store[0].key == "changed-there" && p.store[0].value == "new there"));
  CHECK((p.store[1].key == "deleted-there" && p.store[1].deleted));
  CHECK((p.store[2].key == "new-there" && p.store[2].value == "t"));
  // Afterwards both hold these (Dovecot takes what was sent: it is newer).
  std::vector<std::string> agreed;
  for (const auto& a : p.agreed) agreed.push_back(a.key + "=" + (a.deleted ? "-" : a.value));
  CHECK(agreed == std::vector<std::string>{"changed-here=new here", "changed-there=new there",
                                           "deleted-there=-", "new-here=n", "new-there=t",
                                           "unchanged=old"});
}

TEST_CASE("attribute digest: live values only, order-free", "[dsync][attributes]") {
  std::vector<MailboxAttribute> a = {live("a", "1", 1), live("b", "2", 2)};
  std::vector<MailboxAttribute> b = {live("b", "2", 9, 9), gone("c", 3), live("a", "1", 7)};
  CHECK(attributes_digest(a) == attributes_digest(b));
  b[0].value = std::string(1, '3');  // (a char* assign trips a GCC 12 -Wrestrict false positive at -O2)
  CHECK(attributes_digest(a) != attributes_digest(b));
  auto shared = a;
  shared[0].type = AttributeType::kShared;
  CHECK(attributes_digest(a) != attributes_digest(shared));
}

}  // namespace roost::dsync
