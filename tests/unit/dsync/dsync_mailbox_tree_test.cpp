// plan_tree on its own: the decisions both brains must reach identically.
#include <catch2/catch.hpp>

#include "dsync/dsync_mailbox_tree.hpp"
#include "formats/list/deleted_mailboxes_file.hpp"

namespace roost::dsync {
namespace {

TreeNode node(const std::string& name, const Guid128& g, int64_t renamed = 0) {
  TreeNode n;
  n.name = {name};
  n.mailbox_guid = g;
  n.last_renamed_or_created = renamed;
  return n;
}

bool has(const std::vector<TreeAction>& v, TreeAction::Kind k, const std::string& name) {
  for (const auto& a : v)
    if (a.kind == k && a.name == std::vector<std::string>{name}) return true;
  return false;
}

}  // namespace

TEST_CASE("dsync tree: renames are renames; newer rename wins two-way", "[dsync]") {
  Guid128 g = Guid128::generate();
  TreeView m, s;
  m.nodes = {node("New", g, 200)};
  s.nodes = {node("Old", g, 100)};
  TreePlan p = plan_tree(m, s, {});
  CHECK(p.master_actions.empty());
  REQUIRE(p.slave_actions.size() == 1);
  CHECK(p.slave_actions[0].kind == TreeAction::Kind::kRename);
  CHECK(p.slave_actions[0].new_name == std::vector<std::string>{"New"});
  // The slave renamed later: the master follows.
  s.nodes[0].last_renamed_or_created = 300;
  p = plan_tree(m, s, {});
  CHECK(has(p.master_actions, TreeAction::Kind::kRename, "New"));
  CHECK(p.slave_actions.empty());
  REQUIRE(p.pairs.size() == 1);
}

TEST_CASE("dsync tree: deletes are remembered, backup deletes destination-only", "[dsync]") {
  Guid128 g = Guid128::generate(), h = Guid128::generate();
  TreeView m, s;
  m.nodes = {node("Kept", h)};
  s.nodes = {node("Kept", h), node("Gone", g)};
  m.deletes.mailboxes = {{g, 1000}};
  TreePlan p = plan_tree(m, s, {});
  CHECK(has(p.slave_actions, TreeAction::Kind::kDelete, "Gone"));
  CHECK_FALSE(has(p.master_actions, TreeAction::Kind::kCreate, "Gone"));
  // Without the delete record a two-way sync recreates it on the master.
  m.deletes.mailboxes.clear();
  p = plan_tree(m, s, {});
  CHECK(has(p.master_actions, TreeAction::Kind::kCreate, "Gone"));
  // Backup: the destination (slave) loses what the source lacks.
  Direction backup;
  backup.kind = Direction::Kind::kBackup;
  p = plan_tree(m, s, backup);
  CHECK(has(p.slave_actions, TreeAction::Kind::kDelete, "Gone"));
  CHECK(p.master_actions.empty());
  // One-way never deletes on the destination.
  Direction one_way;
  one_way.kind = Direction::Kind::kOneWay;
  p = plan_tree(m, s, one_way);
  CHECK(p.slave_actions.empty());
}

TEST_CASE("dsync tree: same name, unknown GUIDs: one mailbox, the bigger GUID", "[dsync]") {
  Guid128 a = *Guid128::parse("f0000000000000000000000000000001");
  Guid128 b = *Guid128::parse("10000000000000000000000000000002");
  TreeView m, s;
  m.nodes = {node("INBOX", a)};
  s.nodes = {node("INBOX", b)};
  TreePlan p = plan_tree(m, s, {});
  REQUIRE(p.pairs.size() == 1);
  REQUIRE(p.slave_actions.size() == 1);
  CHECK(p.master_actions.empty());
  CHECK(p.slave_actions[0].kind == TreeAction::Kind::kSetGuid);
  CHECK(p.slave_actions[0].guid == a);
  // The slave's is bigger: the master adopts it (as Dovecot would).
  p = plan_tree(s, m, {});
  REQUIRE(p.master_actions.size() == 1);
  CHECK(p.slave_actions.empty());
  CHECK(p.master_actions[0].kind == TreeAction::Kind::kSetGuid);
  CHECK(p.master_actions[0].guid == a);
}

TEST_CASE("deleted-mailboxes log: torn lines and junk are ignored", "[dsync]") {
  Guid128 g = Guid128::generate();
  std::string data = serialize_deleted_mailbox({g, 1700000000}) + "junk line\n" + g.hex() +
                     " 12x\n" + g.hex() + " 17";
  auto v = parse_deleted_mailboxes(data);
  REQUIRE(v.size() == 1);
  CHECK(v[0].guid == g);
  CHECK(v[0].timestamp == 1700000000);
}

}  // namespace roost::dsync

namespace roost::dsync {

TEST_CASE("dsync tree: two-way, the later subscription change wins", "[dsync]") {
  Guid128 g = Guid128::generate();
  TreeView m, s;
  m.nodes = {node("Box", g)};
  s.nodes = {node("Box", g)};
  m.nodes[0].subscribed = true;
  m.nodes[0].last_subscription_change = 100;
  s.nodes[0].last_subscription_change = 200;  // the slave unsubscribed later
  TreePlan p = plan_tree(m, s, {});
  CHECK(has(p.master_actions, TreeAction::Kind::kUnsubscribe, "Box"));
  CHECK(p.slave_actions.empty());
  // The master's change is the later one: the slave subscribes.
  m.nodes[0].last_subscription_change = 300;
  p = plan_tree(m, s, {});
  CHECK(has(p.slave_actions, TreeAction::Kind::kSubscribe, "Box"));
  CHECK(p.master_actions.empty());
  // Without times: merged (subscribed stays subscribed).
  m.nodes[0].last_subscription_change = s.nodes[0].last_subscription_change = 0;
  p = plan_tree(m, s, {});
  CHECK(has(p.slave_actions, TreeAction::Kind::kSubscribe, "Box"));
  // Backup copies the source's subscription whatever the times.
  Direction backup;
  backup.kind = Direction::Kind::kBackup;
  m.nodes[0].subscribed = false;
  s.nodes[0].subscribed = true;
  s.nodes[0].last_subscription_change = 500;
  p = plan_tree(m, s, backup);
  CHECK(has(p.slave_actions, TreeAction::Kind::kUnsubscribe, "Box"));
}

TEST_CASE("mailbox log: typed records next to deletes, each reader skips the other's", "[dsync]") {
  Guid128 g = Guid128::generate(), d = Guid128::generate();
  MailboxListChange r;
  r.guid = g;
  r.timestamp = 1700000001;
  MailboxListChange u;
  u.kind = MailboxListChange::Kind::kUnsubscribe;
  u.name = "Sub folder/x";
  u.timestamp = 1700000002;
  std::string data = serialize_deleted_mailbox({d, 1700000000}) + serialize_mailbox_list_change(r) +
                     serialize_mailbox_list_change(u) + "S 12x name\nR " + g.hex() +
                     "\nS 1700000003";  // junk, torn
  auto dels = parse_deleted_mailboxes(data);
  REQUIRE(dels.size() == 1);
  CHECK(dels[0].guid == d);
  auto ch = parse_mailbox_list_changes(data);
  REQUIRE(ch.size() == 2);
  CHECK(ch[0].kind == MailboxListChange::Kind::kRename);
  CHECK(ch[0].guid == g);
  CHECK(ch[0].timestamp == 1700000001);
  CHECK(ch[1].kind == MailboxListChange::Kind::kUnsubscribe);
  CHECK(ch[1].name == "Sub folder/x");
  CHECK(ch[1].timestamp == 1700000002);
}

}  // namespace roost::dsync
