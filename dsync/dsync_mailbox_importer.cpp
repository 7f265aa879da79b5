#include "dsync/dsync_mailbox_importer.hpp"

#include <algorithm>
#include <unordered_set>

namespace roost::dsync {
namespace {

// (key, index into the list's messages), sorted: the first index holding a
// key (its lowest UID) is found by a binary search. 20 bytes a mail.
using KeyTable = std::vector<std::pair<MailKey, uint32_t>>;

KeyTable key_table(const SideList& side) {
  KeyTable t;
  t.reserve(side.messages.size());
  for (uint32_t i = 0; i < side.messages.size(); ++i) t.emplace_back(side.messages[i].key, i);
  std::sort(t.begin(), t.end());
  return t;
}

// The index of the first message holding `key`, or -1.
int64_t first_with(const KeyTable& t, const MailKey& key) {
  auto it = std::lower_bound(t.begin(), t.end(), std::pair<MailKey, uint32_t>{key, 0});
  if (it == t.end() || it->first != key) return -1;
  return it->second;
}

bool same_flags(const MessageEntry& a, const SideList& as, const MessageEntry& b,
                const SideList& bs) {
  return dsync::same_flags(a.flags, as.keywords, b.flags, bs.keywords);
}

// Whether `local` should take the remote's flags.
bool remote_flags_win(const MessageEntry& l, const MessageEntry& r, bool local_is_master,
                      Direction dir, const SideList& local, const SideList& remote) {
  if (same_flags(l, local, r, remote)) return false;
  if (!dir.two_way()) return dir.is_dest(local_is_master);
  if (local.synced_modseq && remote.synced_modseq) {
    bool local_changed = l.modseq > local.synced_modseq;
    bool remote_changed = r.modseq > remote.synced_modseq;
    if (local_changed != remote_changed) return remote_changed;
  }
  if (l.modseq != r.modseq) return r.modseq > l.modseq;
  return !local_is_master;
}

// An expunge of this UID that names another mail (both sides gave the UID
// to a new mail, one expunged its own) is a UID conflict, not an expunge of
// `m`. `by_guid`: both sides keep saved GUIDs and the expunge names its mail
// by GUID (then `m.key` is its GUID's key); else by the header key the
// expunging side recorded (an expunge without one, made before keys were
// recorded or by another program, matches by UID alone).
bool expunged_by(const SideList& side, const MessageEntry& m, bool by_guid) {
  auto lo = std::lower_bound(side.expunges.begin(), side.expunges.end(), m.uid,
                             [](const ExpungeEntry& e, uint32_t u) { return e.uid < u; });
  for (auto it = lo; it != side.expunges.end() && it->uid == m.uid; ++it) {
    const MailKey& k = by_guid ? it->guid : it->hdr;
    if (k.empty() || m.key.empty() || k == m.key) return true;
  }
  return false;
}

// Which side takes the other's UID space: one that can, the one with fewer
// mails when both can (equal: the lower UIDVALIDITY). Both sides agree.
enum class Adopter { kNone, kLocal, kRemote };
Adopter adopter(const SideList& local, const SideList& remote) {
  bool lc = local.box.can_update, rc = remote.box.can_update;
  if (!lc && !rc) return Adopter::kNone;
  if (lc != rc) return lc ? Adopter::kLocal : Adopter::kRemote;
  const MailboxItem &l = local.box, &r = remote.box;
  if (l.messages_count != r.messages_count)
    return l.messages_count < r.messages_count ? Adopter::kLocal : Adopter::kRemote;
  return l.uid_validity < r.uid_validity ? Adopter::kLocal : Adopter::kRemote;
}

MailboxPlan reset_to(const SideList& remote) {
  MailboxPlan plan;
  plan.reset_uids = true;
  plan.set_uidvalidity = remote.box.uid_validity;
  plan.saves.reserve(remote.messages.size());
  for (uint32_t j = 0; j < remote.messages.size(); ++j) {
    uint32_t uid = remote.messages[j].uid;
    plan.saves.push_back({uid, true, uid, j});
  }
  plan.min_uidnext = remote.box.uid_next;
  return plan;
}

bool keys_subset(const SideList& a, const KeyTable& b) {
  for (const auto& m : a.messages)
    if (first_with(b, m.key) < 0) return false;
  return true;
}

// The keys of a list's expunged GUIDs, sorted.
std::vector<MailKey> expunged_guids(const SideList& side) {
  std::vector<MailKey> out;
  out.reserve(side.expunges.size());
  for (const auto& e : side.expunges) out.push_back(e.guid);
  std::sort(out.begin(), out.end());
  return out;
}

bool contains(const std::vector<MailKey>& sorted, const MailKey& k) {
  return std::binary_search(sorted.begin(), sorted.end(), k);
}

MailboxPlan plan_content_merge(const SideList& local, const SideList& remote, bool local_is_master,
                               Direction dir) {
  // UIDs mean nothing across the sides: match by key.
  bool source = dir.is_source(local_is_master);
  bool backup_dest = dir.is_dest(local_is_master) && dir.kind == Direction::Kind::kBackup;
  KeyTable remote_keys = key_table(remote);
  if (dir.two_way() && !source) {
    Adopter who = adopter(local, remote);
    if (who == Adopter::kLocal && keys_subset(local, remote_keys)) return reset_to(remote);
    if (who == Adopter::kRemote && keys_subset(remote, key_table(local))) return {};  // it resets
    // Expunges travel by GUID here (UIDs differ); with header keys they
    // can't, and the mail comes back: nothing is lost.
  }
  MailboxPlan plan;
  plan.another_pass = dir.two_way() && adopter(local, remote) != Adopter::kNone;
  std::vector<MailKey> remote_expunged = expunged_guids(remote),
                       local_expunged = expunged_guids(local);
  for (const auto& m : local.messages) {
    int64_t r = first_with(remote_keys, m.key);
    if (r < 0) {
      if (backup_dest || (dir.two_way() && contains(remote_expunged, mail_key(local.guid(m)))))
        plan.expunges.push_back(m.uid);
      continue;
    }
    if (!source && remote_flags_win(m, remote.messages[r], local_is_master, dir, local, remote))
      plan.flag_sets.emplace_back(m.uid, static_cast<uint32_t>(r));
  }
  if (source) return plan;
  remote_keys.clear();
  remote_keys.shrink_to_fit();
  std::unordered_set<MailKey, MailKeyHash> local_keys;
  local_keys.reserve(local.messages.size());
  for (const auto& m : local.messages) local_keys.insert(m.key);
  for (uint32_t j = 0; j < remote.messages.size(); ++j) {
    const MessageEntry& m = remote.messages[j];
    // A backup destination's own expunges don't count: it becomes the source.
    if (local_keys.count(m.key) ||
        (!backup_dest && contains(local_expunged, mail_key(remote.guid(m)))))
      continue;
    local_keys.insert(m.key);  // a key twice on the remote side is saved once
    plan.saves.push_back({0, true, m.uid, j});
  }
  return plan;
}

// Walks two UID-ascending lists side by side: f(local or null, remote or
// null, local index, remote index) once per UID of either.
template <class F>
void merge_by_uid(const SideList& local, const SideList& remote, F&& f) {
  const auto &lm = local.messages, &rm = remote.messages;
  size_t i = 0, j = 0;
  while (i < lm.size() || j < rm.size()) {
    if (j == rm.size() || (i < lm.size() && lm[i].uid < rm[j].uid)) {
      f(&lm[i], nullptr, i, j);
      ++i;
    } else if (i == lm.size() || rm[j].uid < lm[i].uid) {
      f(nullptr, &rm[j], i, j);
      ++j;
    } else {
      f(&lm[i], &rm[j], i, j);
      ++i;
      ++j;
    }
  }
}

MailboxPlan plan_backup(const SideList& local, const SideList& remote, bool local_is_master,
                        Direction dir) {
  // The destination becomes the source, UIDs included when possible.
  MailboxPlan plan;
  std::vector<bool> kept(remote.messages.size());
  bool need_reset = local.box.uid_validity != remote.box.uid_validity;
  merge_by_uid(local, remote, [&](const MessageEntry* l, const MessageEntry* r, size_t, size_t j) {
    if (l && r && l->key == r->key) {
      kept[j] = true;
      if (!same_flags(*l, local, *r, remote))
        plan.flag_sets.emplace_back(l->uid, static_cast<uint32_t>(j));
      return;
    }
    if (l) plan.expunges.push_back(l->uid);
    if (r && r->uid < local.box.uid_next) need_reset = true;
  });
  if (need_reset && !local.box.can_update)
    return plan_content_merge(local, remote, local_is_master, dir);
  if (need_reset) return reset_to(remote);
  for (uint32_t j = 0; j < remote.messages.size(); ++j)
    if (!kept[j]) plan.saves.push_back({remote.messages[j].uid, true, remote.messages[j].uid, j});
  plan.min_uidnext = remote.box.uid_next;
  return plan;
}

}  // namespace

void SideList::sort() {
  auto by_uid = [](const auto& a, const auto& b) { return a.uid < b.uid; };
  if (!std::is_sorted(messages.begin(), messages.end(), by_uid))
    std::stable_sort(messages.begin(), messages.end(), by_uid);
  if (!std::is_sorted(expunges.begin(), expunges.end(), by_uid))
    std::stable_sort(expunges.begin(), expunges.end(), by_uid);
}

MessageFlags flags_of_change(const MailChange& c) {
  MessageFlags f;
  f.system = c.final_flags & kFlagsStorable;
  for (const auto& k : c.keyword_changes)
    if (!k.empty() && (k[0] == '=' || k[0] == '&')) f.add_keyword(k.substr(1));
  return f;
}

void put_flags(MailChange& c, const MessageFlags& f) {
  c.final_flags = f.system & kFlagsStorable;
  for (const auto& k : f.keywords) c.keyword_changes.push_back("=" + k);
}

MailboxPlan plan_mailbox(const SideList& local, const SideList& remote, bool local_is_master,
                         Direction dir) {
  if (dir.is_source(local_is_master)) return {};  // the source side only answers mail requests
  if (dir.kind == Direction::Kind::kBackup) return plan_backup(local, remote, local_is_master, dir);
  if (local.box.uid_validity != remote.box.uid_validity)
    return plan_content_merge(local, remote, local_is_master, dir);

  // Two-way (and one-way) with one UID space.
  MailboxPlan plan;
  // Key -> the first message holding it, on each side.
  KeyTable local_keys = key_table(local), remote_keys = key_table(remote);

  // Mails that need fresh UIDs: (uid, owned by master), master first on ties.
  struct Renumber {
    uint32_t uid;
    bool master_owned;
    bool local;
    uint32_t entry;
  };
  std::vector<Renumber> renumber;
  bool one_way = dir.kind == Direction::Kind::kOneWay;
  const bool by_guid = local.box.have_save_guids && remote.box.have_save_guids;
  // A local mail whose match sits at another UID on the remote: flags as
  // for a pair at one UID. False when the remote has no such mail.
  auto match_elsewhere = [&](const MessageEntry& l) {
    int64_t ri = first_with(remote_keys, l.key);
    if (ri < 0) return false;
    const MessageEntry& r = remote.messages[ri];
    if (remote_flags_win(l, r, local_is_master, dir, local, remote))
      plan.flag_sets.emplace_back(l.uid, static_cast<uint32_t>(ri));
    return true;
  };
  merge_by_uid(local, remote,
               [&](const MessageEntry* l, const MessageEntry* r, size_t li, size_t rj) {
                 uint32_t i = static_cast<uint32_t>(li), j = static_cast<uint32_t>(rj);
                 if (l && r) {
                   uint32_t uid = l->uid;
                   if (l->key == r->key) {
                     if (remote_flags_win(*l, *r, local_is_master, dir, local, remote))
                       plan.flag_sets.emplace_back(uid, j);
                     return;
                   }
                   // Paired by header key, a mail may sit at another UID on the other
                   // side (a save there that couldn't keep its UID, then a crash): that
                   // is its match, not a conflict to copy it again for.
                   if (by_guid || !match_elsewhere(*l))
                     renumber.push_back({uid, local_is_master, true, i});
                   if (by_guid || first_with(local_keys, r->key) < 0)
                     renumber.push_back({uid, !local_is_master, false, j});
                   return;
                 }
                 if (l) {
                   uint32_t uid = l->uid;
                   if (match_elsewhere(*l)) return;  // same mail at another UID there
                   if (one_way) return;              // the destination's own mail stays
                   if (expunged_by(remote, *l, by_guid)) {
                     plan.expunges.push_back(uid);
                     return;
                   }
                   if (remote.partial && uid <= remote.common_uid) return;  // unchanged there
                   if (uid >= remote.box.uid_next) return;  // the remote saves it at this UID
                   renumber.push_back({uid, local_is_master, true, i});
                   return;
                 }
                 // Remote only.
                 uint32_t uid = r->uid;
                 if (first_with(local_keys, r->key) >= 0) return;
                 if (expunged_by(local, *r, by_guid)) return;  // the remote expunges it
                 if (uid >= local.box.uid_next) {
                   plan.saves.push_back({uid, true, uid, j});
                   return;
                 }
                 renumber.push_back({uid, !local_is_master, false, j});
               });
  local_keys = {};
  remote_keys = {};
  std::stable_sort(renumber.begin(), renumber.end(), [](const Renumber& a, const Renumber& b) {
    if (a.uid != b.uid) return a.uid < b.uid;
    return a.master_owned && !b.master_owned;
  });
  uint32_t next = std::max(local.box.uid_next, remote.box.uid_next);
  for (const auto& rn : renumber) {
    uint32_t fresh = next++;
    plan.saves.push_back({fresh, !rn.local, rn.uid, rn.entry});
    if (rn.local) plan.expunges.push_back(rn.uid);
  }
  std::stable_sort(plan.saves.begin(), plan.saves.end(), [](const SavePlan& a, const SavePlan& b) {
    return a.target_uid < b.target_uid;
  });
  plan.min_uidnext = next;
  return plan;
}

}  // namespace roost::dsync
