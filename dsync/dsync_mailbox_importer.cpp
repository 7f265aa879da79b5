#include "dsync/dsync_mailbox_importer.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace roost::dsync {
namespace {

bool same_flags(const MessageFlags& a, const MessageFlags& b) {
  if ((a.system & kFlagsStorable) != (b.system & kFlagsStorable)) return false;
  if (a.keywords.size() != b.keywords.size()) return false;
  for (const auto& k : a.keywords)
    if (!b.has_keyword(k)) return false;
  return true;
}

// Whether `local` should take the remote's flags.
bool remote_flags_win(const MessageEntry& l, const MessageEntry& r, bool local_is_master,
                      Direction dir, const SideList& local, const SideList& remote) {
  if (same_flags(l.flags, r.flags)) return false;
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
// by GUID; else by the header key the expunging side recorded (an expunge
// without one, made before keys were recorded or by another program,
// matches by UID alone).
bool expunged_by(const SideList& side, const MessageEntry& m, bool by_guid) {
  for (const auto& e : side.expunges) {
    if (e.uid != m.uid) continue;
    if (by_guid ? e.guid.empty() || m.guid.empty() || e.guid == m.guid
                : e.hdr_hash.empty() || m.key.empty() || e.hdr_hash == m.key)
      return true;
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
  for (const auto& m : remote.messages) plan.saves.push_back({m.uid, true, m.uid, m.guid, m.flags});
  plan.min_uidnext = remote.box.uid_next;
  return plan;
}

bool keys_subset(const SideList& a, const SideList& b) {
  std::unordered_set<std::string> keys;
  for (const auto& m : b.messages) keys.insert(m.key);
  for (const auto& m : a.messages)
    if (!keys.count(m.key)) return false;
  return true;
}

MailboxPlan plan_content_merge(const SideList& local, const SideList& remote, bool local_is_master,
                               Direction dir) {
  // UIDs mean nothing across the sides: match by key.
  bool source = dir.is_source(local_is_master);
  bool backup_dest = dir.is_dest(local_is_master) && dir.kind == Direction::Kind::kBackup;
  if (dir.two_way() && !source) {
    Adopter who = adopter(local, remote);
    if (who == Adopter::kLocal && keys_subset(local, remote)) return reset_to(remote);
    if (who == Adopter::kRemote && keys_subset(remote, local)) return {};  // it resets
    // Expunges travel by GUID here (UIDs differ); with header keys they
    // can't, and the mail comes back: nothing is lost.
  }
  MailboxPlan plan;
  plan.another_pass = dir.two_way() && adopter(local, remote) != Adopter::kNone;
  std::unordered_map<std::string, const MessageEntry*> remote_by_key;
  for (const auto& m : remote.messages) remote_by_key.emplace(m.key, &m);
  std::unordered_set<std::string> remote_expunged, local_expunged;
  for (const auto& e : remote.expunges) remote_expunged.insert(e.guid);
  for (const auto& e : local.expunges) local_expunged.insert(e.guid);
  std::unordered_set<std::string> local_keys;
  for (const auto& m : local.messages) {
    local_keys.insert(m.key);
    auto it = remote_by_key.find(m.key);
    if (it == remote_by_key.end()) {
      if (backup_dest || (dir.two_way() && remote_expunged.count(m.guid)))
        plan.expunges.push_back(m.uid);
      continue;
    }
    if (!source && remote_flags_win(m, *it->second, local_is_master, dir, local, remote))
      plan.flag_sets.emplace_back(m.uid, it->second->flags);
  }
  if (source) return plan;
  for (const auto& m : remote.messages) {
    // A backup destination's own expunges don't count: it becomes the source.
    if (local_keys.count(m.key) || (!backup_dest && local_expunged.count(m.guid))) continue;
    local_keys.insert(m.key);  // a key twice on the remote side is saved once
    plan.saves.push_back({0, true, m.uid, m.guid, m.flags});
  }
  return plan;
}

}  // namespace

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

  if (dir.kind == Direction::Kind::kBackup) {
    // The destination becomes the source, UIDs included when possible.
    std::map<uint32_t, const MessageEntry*> src;
    for (const auto& m : remote.messages) src[m.uid] = &m;
    MailboxPlan plan;
    std::set<uint32_t> kept;
    for (const auto& m : local.messages) {
      auto it = src.find(m.uid);
      if (it != src.end() && it->second->key == m.key) {
        kept.insert(m.uid);
        if (!same_flags(m.flags, it->second->flags))
          plan.flag_sets.emplace_back(m.uid, it->second->flags);
      } else {
        plan.expunges.push_back(m.uid);
      }
    }
    bool need_reset = local.box.uid_validity != remote.box.uid_validity;
    for (const auto& [uid, m] : src)
      if (!kept.count(uid) && uid < local.box.uid_next) need_reset = true;
    if (need_reset && !local.box.can_update)
      return plan_content_merge(local, remote, local_is_master, dir);
    if (need_reset) {
      plan = {};
      plan.reset_uids = true;
      plan.set_uidvalidity = remote.box.uid_validity;
      kept.clear();
    }
    for (const auto& [uid, m] : src)
      if (!kept.count(uid)) plan.saves.push_back({uid, true, uid, m->guid, m->flags});
    plan.min_uidnext = remote.box.uid_next;
    return plan;
  }

  if (local.box.uid_validity != remote.box.uid_validity)
    return plan_content_merge(local, remote, local_is_master, dir);

  // Two-way (and one-way) with one UID space.
  MailboxPlan plan;
  std::map<uint32_t, const MessageEntry*> lm, rm;
  for (const auto& m : local.messages) lm[m.uid] = &m;
  for (const auto& m : remote.messages) rm[m.uid] = &m;
  // Views into the two lists (alive for the whole planning): no key copies.
  // Key -> the first UID holding it, on each side.
  std::unordered_map<std::string_view, uint32_t> local_key_uid, remote_key_uid;
  local_key_uid.reserve(local.messages.size());
  remote_key_uid.reserve(remote.messages.size());
  for (const auto& m : local.messages) local_key_uid.emplace(m.key, m.uid);
  for (const auto& m : remote.messages) remote_key_uid.emplace(m.key, m.uid);

  // Mails that need fresh UIDs: (uid, owned by master), master first on ties.
  struct Renumber {
    uint32_t uid;
    bool master_owned;
    const MessageEntry* entry;
  };
  std::vector<Renumber> renumber;
  // Every UID of either side, ascending, once.
  std::vector<uint32_t> uids;
  uids.reserve(lm.size() + rm.size());
  for (const auto& [u, m] : lm) uids.push_back(u);
  for (const auto& [u, m] : rm) uids.push_back(u);
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  bool one_way = dir.kind == Direction::Kind::kOneWay;
  const bool by_guid = local.box.have_save_guids && remote.box.have_save_guids;
  // A local mail whose match sits at another UID on the remote: flags as
  // for a pair at one UID. False when the remote has no such mail.
  auto match_elsewhere = [&](const MessageEntry& l) {
    auto ru = remote_key_uid.find(l.key);
    if (ru == remote_key_uid.end()) return false;
    const MessageEntry& r = *rm.at(ru->second);
    if (remote_flags_win(l, r, local_is_master, dir, local, remote))
      plan.flag_sets.emplace_back(l.uid, r.flags);
    return true;
  };
  for (uint32_t uid : uids) {
    auto li = lm.find(uid);
    auto ri = rm.find(uid);
    const MessageEntry* l = li == lm.end() ? nullptr : li->second;
    const MessageEntry* r = ri == rm.end() ? nullptr : ri->second;
    if (l && r) {
      if (l->key == r->key) {
        if (remote_flags_win(*l, *r, local_is_master, dir, local, remote))
          plan.flag_sets.emplace_back(uid, r->flags);
        continue;
      }
      // Paired by header key, a mail may sit at another UID on the other
      // side (a save there that couldn't keep its UID, then a crash): that
      // is its match, not a conflict to copy it again for.
      if (by_guid || !match_elsewhere(*l)) renumber.push_back({uid, local_is_master, l});
      if (by_guid || !local_key_uid.count(r->key)) renumber.push_back({uid, !local_is_master, r});
      continue;
    }
    if (l) {
      if (match_elsewhere(*l)) continue;           // same mail at another UID there
      if (one_way) continue;                       // the destination's own mail stays
      if (expunged_by(remote, *l, by_guid)) {
        if (!one_way) plan.expunges.push_back(uid);
        continue;
      }
      if (remote.partial && uid <= remote.common_uid) continue;  // unchanged there
      if (uid >= remote.box.uid_next) continue;                  // the remote saves it at this UID
      renumber.push_back({uid, local_is_master, l});
      continue;
    }
    // Remote only.
    if (local_key_uid.count(r->key)) continue;
    if (expunged_by(local, *r, by_guid)) continue;  // the remote expunges it
    if (uid >= local.box.uid_next) {
      plan.saves.push_back({uid, true, uid, r->guid, r->flags});
      continue;
    }
    renumber.push_back({uid, !local_is_master, r});
  }
  std::stable_sort(renumber.begin(), renumber.end(), [](const Renumber& a, const Renumber& b) {
    if (a.uid != b.uid) return a.uid < b.uid;
    return a.master_owned && !b.master_owned;
  });
  uint32_t next = std::max(local.box.uid_next, remote.box.uid_next);
  for (const auto& rn : renumber) {
    uint32_t fresh = next++;
    bool mine = rn.master_owned == local_is_master;
    if (mine) {
      plan.saves.push_back({fresh, false, rn.uid, rn.entry->guid, rn.entry->flags});
      plan.expunges.push_back(rn.uid);
    } else {
      plan.saves.push_back({fresh, true, rn.uid, rn.entry->guid, rn.entry->flags});
    }
  }
  std::stable_sort(plan.saves.begin(), plan.saves.end(), [](const SavePlan& a, const SavePlan& b) {
    return a.target_uid < b.target_uid;
  });
  plan.min_uidnext = next;
  return plan;
}

}  // namespace roost::dsync
