#include "dsync/dsync_mailbox_tree.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace roost::dsync {
namespace {

using Name = std::vector<std::string>;

const TreeNode* find_guid(const TreeView& v, const Guid128& g) {
  for (const auto& n : v.nodes)
    if (n.mailbox_guid == g) return &n;
  return nullptr;
}
const TreeNode* find_name(const TreeView& v, const Name& name) {
  for (const auto& n : v.nodes)
    if (n.name == name) return &n;
  return nullptr;
}
bool deleted_in(const TreeView& v, const Guid128& g, int64_t changed_at) {
  for (const auto& d : v.deletes.mailboxes)
    if (d.guid == g && d.timestamp >= changed_at) return true;
  return false;
}
bool is_inbox(const Name& n) {
  return n.size() == 1 && n[0] == "INBOX";
}

}  // namespace

std::string join_name(const std::vector<std::string>& levels, char sep) {
  std::string out;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (i) out += sep;
    out += levels[i];
  }
  return out;
}

TreePlan plan_tree(const TreeView& master, const TreeView& slave, Direction dir) {
  TreePlan plan;
  auto actions = [&](bool m) -> std::vector<TreeAction>& {
    return m ? plan.master_actions : plan.slave_actions;
  };
  // Same name, different GUIDs neither side knows: one mailbox created twice
  // (typically INBOX). The source's GUID wins; two-way the bigger one, as
  // Dovecot decides (each side adopts the other's GUID when it is bigger),
  // so a Dovecot peer and Roost agree instead of swapping GUIDs each run.
  std::set<Guid128> handled;
  for (const auto& mn : master.nodes) {
    const TreeNode* sn = find_name(slave, mn.name);
    if (!sn || sn->mailbox_guid == mn.mailbox_guid) continue;
    if (find_guid(slave, mn.mailbox_guid) || find_guid(master, sn->mailbox_guid)) continue;
    bool master_wins =
        dir.two_way() ? mn.mailbox_guid.hex() > sn->mailbox_guid.hex() : dir.master_is_source;
    const Guid128& winner = master_wins ? mn.mailbox_guid : sn->mailbox_guid;
    actions(!master_wins)
        .push_back({TreeAction::Kind::kSetGuid, master_wins ? sn->name : mn.name, {}, winner});
    // Known by the winning GUID from now on (the state too).
    plan.pairs.push_back({winner, sn->mailbox_guid, mn.name, sn->name});
    handled.insert(mn.mailbox_guid);
    handled.insert(sn->mailbox_guid);
  }

  std::set<Guid128> guids;
  for (const auto& n : master.nodes) guids.insert(n.mailbox_guid);
  for (const auto& n : slave.nodes) guids.insert(n.mailbox_guid);
  for (const Guid128& g : guids) {
    if (handled.count(g) || g.empty()) continue;
    const TreeNode* mn = find_guid(master, g);
    const TreeNode* sn = find_guid(slave, g);
    if (mn && sn) {
      Name final_name = mn->name;
      if (mn->name != sn->name) {
        bool master_wins;
        if (!dir.two_way())
          master_wins = dir.master_is_source;
        else
          master_wins = mn->last_renamed_or_created >= sn->last_renamed_or_created;
        final_name = master_wins ? mn->name : sn->name;
        if (!is_inbox(master_wins ? sn->name : mn->name))
          actions(!master_wins)
              .push_back(
                  {TreeAction::Kind::kRename, master_wins ? sn->name : mn->name, final_name, g});
        else
          final_name = master_wins ? sn->name : mn->name;  // INBOX never moves away
      }
      plan.pairs.push_back({g, g, final_name, final_name});
      continue;
    }
    bool have_master = mn != nullptr;
    const TreeNode* node = have_master ? mn : sn;
    const TreeView& other = have_master ? slave : master;
    bool deleted_on_other = deleted_in(other, g, node->last_renamed_or_created);
    bool keep_and_copy;
    if (dir.two_way()) {
      keep_and_copy = !deleted_on_other;
    } else if (dir.is_source(have_master)) {
      // The source's mailbox: backup recreates it on the destination even if
      // the destination deleted it; one-way respects the destination's delete.
      keep_and_copy = dir.kind == Direction::Kind::kBackup || !deleted_on_other;
      if (!keep_and_copy) continue;
    } else {
      // Only on the destination.
      if (dir.kind == Direction::Kind::kOneWay) continue;  // never deleted by -1
      keep_and_copy = false;
    }
    if (keep_and_copy) {
      // Another mailbox of that name on the other side can't be: it would
      // have been paired above or carries a known GUID (then it is renamed).
      actions(!have_master).push_back({TreeAction::Kind::kCreate, node->name, {}, g});
      MailboxPair p{g, g, node->name, node->name};
      (have_master ? p.slave_created : p.master_created) = true;
      plan.pairs.push_back(std::move(p));
    } else if (!is_inbox(node->name)) {
      actions(have_master).push_back({TreeAction::Kind::kDelete, node->name, {}, g});
    }
  }

  // Subscriptions, by final name.
  std::set<Name> sub_m, sub_s;
  for (const auto& n : master.nodes)
    if (n.subscribed) sub_m.insert(n.name);
  for (const auto& n : slave.nodes)
    if (n.subscribed) sub_s.insert(n.name);
  for (const auto& p : plan.pairs) {
    bool m = sub_m.count(p.master_name) || (p.master_created && sub_s.count(p.slave_name));
    bool s = sub_s.count(p.slave_name) || (p.slave_created && sub_m.count(p.master_name));
    const TreeNode* mn = find_guid(master, p.master_guid);
    const TreeNode* sn = find_guid(slave, p.slave_guid);
    bool want_m = m, want_s = s;
    if (dir.two_way()) {
      want_m = want_s = (mn && mn->subscribed) || (sn && sn->subscribed);
      // Both sides know the mailbox and disagree: the later subscription
      // change wins (an unsubscribe propagates); without times, subscribed.
      if (mn && sn && mn->subscribed != sn->subscribed &&
          mn->last_subscription_change != sn->last_subscription_change)
        want_m = want_s = mn->last_subscription_change > sn->last_subscription_change
                              ? mn->subscribed
                              : sn->subscribed;
    } else {
      bool src = dir.master_is_source ? (mn && mn->subscribed) : (sn && sn->subscribed);
      bool& dst = dir.master_is_source ? want_s : want_m;
      dst = dir.kind == Direction::Kind::kBackup ? src : (src || dst);
    }
    bool has_m = mn && mn->subscribed, has_s = sn && sn->subscribed;
    if (want_m != has_m)
      plan.master_actions.push_back(
          {want_m ? TreeAction::Kind::kSubscribe : TreeAction::Kind::kUnsubscribe,
           p.master_name,
           {},
           p.master_guid});
    if (want_s != has_s)
      plan.slave_actions.push_back(
          {want_s ? TreeAction::Kind::kSubscribe : TreeAction::Kind::kUnsubscribe,
           p.slave_name,
           {},
           p.slave_guid});
  }

  // Parents before children when creating, children first when deleting.
  for (auto* list : {&plan.master_actions, &plan.slave_actions})
    std::stable_sort(list->begin(), list->end(), [](const TreeAction& a, const TreeAction& b) {
      auto rank = [](const TreeAction& x) {
        switch (x.kind) {
          case TreeAction::Kind::kSetGuid:
            return 0;
          case TreeAction::Kind::kDelete:
            return 1;
          case TreeAction::Kind::kRename:
            return 2;
          case TreeAction::Kind::kCreate:
            return 3;
          default:
            return 4;
        }
      };
      if (rank(a) != rank(b)) return rank(a) < rank(b);
      if (a.kind == TreeAction::Kind::kDelete) return a.name.size() > b.name.size();
      return a.name.size() < b.name.size();
    });
  std::sort(plan.pairs.begin(), plan.pairs.end(), [](const MailboxPair& a, const MailboxPair& b) {
    return a.master_name < b.master_name;
  });
  return plan;
}

}  // namespace roost::dsync
