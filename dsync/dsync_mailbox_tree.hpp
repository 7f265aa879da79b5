#pragma once
#include <string>
#include <vector>

#include "dsync/dsync_direction.hpp"
#include "dsync/dsync_item.hpp"

namespace roost::dsync {

// One side's mailbox tree as announced (N items + its D item).
struct TreeView {
  std::vector<TreeNode> nodes;  // existence 'y' only
  MailboxDeletes deletes;
};

struct TreeAction {
  enum class Kind { kCreate, kRename, kDelete, kSubscribe, kUnsubscribe, kSetGuid };
  Kind kind;
  std::vector<std::string> name;      // the mailbox (old name for renames)
  std::vector<std::string> new_name;  // renames
  Guid128 guid;                       // creates, set-guid
};

// A mailbox present on both sides once the tree actions ran.
struct MailboxPair {
  Guid128 master_guid, slave_guid;
  std::vector<std::string> master_name, slave_name;
  // Created by this sync on that side (a dry run treats it as empty).
  bool master_created = false, slave_created = false;
};

struct TreePlan {
  std::vector<TreeAction> master_actions, slave_actions;
  std::vector<MailboxPair> pairs;  // sorted by master name
};

// Mailbox-tree sync (dsync-protocol.md §6), a pure function both brains
// compute from the same two trees, so both reach the same result:
// mailboxes are matched by GUID (renames are renames); same-named mailboxes
// with GUIDs unknown to the other side are the same mailbox (the loser takes
// the winner's GUID); a mailbox one side deleted (D) is deleted on the
// other rather than recreated; backup makes the destination's tree the
// source's; subscriptions are copied (backup) or, two-way, the later change
// wins (merged when neither side knows when it changed); two renames of one
// mailbox: the later wins (the master on a tie).
TreePlan plan_tree(const TreeView& master, const TreeView& slave, Direction dir);

std::string join_name(const std::vector<std::string>& levels, char sep);

}  // namespace roost::dsync
