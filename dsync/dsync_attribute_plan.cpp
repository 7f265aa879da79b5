#include "dsync/dsync_attribute_plan.hpp"

#include <xxhash.h>

#include <map>
#include <set>
#include <tuple>

namespace roost::dsync {
namespace {

using Key = std::pair<AttributeType, std::string>;
using ByKey = std::map<Key, const MailboxAttribute*>;

ByKey by_key(const std::vector<MailboxAttribute>& attrs) {
  ByKey out;
  for (const auto& a : attrs) out[{a.type, a.key}] = &a;
  return out;
}

const MailboxAttribute* find(const ByKey& m, const Key& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : it->second;
}

// Whether the peer's `r` should replace this side's `l` (two-way), by time.
bool remote_wins(const MailboxAttribute& r, const MailboxAttribute* l) {
  if (r.deleted && (!l || l->deleted)) return false;  // gone on both sides
  if (!l) return true;
  if (r.last_change != l->last_change) return r.last_change > l->last_change;
  if (r.deleted != l->deleted) return !r.deleted;  // a value beats a tombstone
  if (r.deleted) return false;
  if (r.value == l->value) return false;
  if (r.modseq != l->modseq) return r.modseq > l->modseq;
  return r.value > l->value;
}

bool unchanged_since_sync(const MailboxAttribute& a) {
  return a.synced_hash && attribute_state_hash(a) == a.synced_hash;
}

// Dovecot keeps /private/specialuse read-only (from its configuration)
// and refuses it from a peer: it never goes to (nor comes from) Dovecot.
bool dovecot_readonly(const MailboxAttribute& a) {
  return a.type == AttributeType::kPrivate && a.key == kSpecialUseAttribute;
}

bool same_state(const MailboxAttribute* a, const MailboxAttribute* b) {
  if (!a || !b) return false;
  return attribute_state_hash(*a) == attribute_state_hash(*b);
}

}  // namespace

std::vector<MailboxAttribute> attributes_to_send(const std::vector<MailboxAttribute>& local,
                                                 bool peer_is_roost, const Direction& dir) {
  std::vector<MailboxAttribute> out;
  for (const auto& a : local) {
    if (!peer_is_roost && dovecot_readonly(a)) continue;
    if (peer_is_roost || !dir.two_way() || !unchanged_since_sync(a)) out.push_back(a);
  }
  return out;
}

AttributePlan plan_attributes(const std::vector<MailboxAttribute>& local,
                              const std::vector<MailboxAttribute>& remote,
                              const std::vector<MailboxAttribute>& sent, bool received,
                              bool peer_is_roost, bool master, const Direction& dir) {
  AttributePlan plan;
  if (dir.is_source(master) || !received) return plan;
  ByKey mine = by_key(local), theirs = by_key(remote), out = by_key(sent);
  bool by_agreement = dir.two_way() && !peer_is_roost;
  std::map<Key, MailboxAttribute> stored;
  for (const auto& [key, r] : theirs) {
    const MailboxAttribute* l = find(mine, key);
    bool live_here = l && !l->deleted;
    bool take = false;
    switch (dir.kind) {
      case Direction::Kind::kTwoWay:
        if (by_agreement && l && l->synced_hash) {
          bool remote_changed = attribute_state_hash(*r) != l->synced_hash;
          bool local_changed = !unchanged_since_sync(*l);
          take = remote_changed && (!local_changed || remote_wins(*r, l));
        } else {
          take = remote_wins(*r, l);
        }
        break;
      case Direction::Kind::kBackup:
        take = r->deleted ? live_here : !live_here || l->value != r->value;
        break;
      case Direction::Kind::kOneWay:
        take = !r->deleted && !live_here;
        break;
    }
    if (take) stored[key] = *r;
  }
  for (const auto& [key, l] : mine) {
    if (l->deleted || theirs.count(key)) continue;
    // Backup: the source lacks it. Two-way with a peer that lists all it
    // has: it was agreed on and is gone there, so it was deleted there.
    bool gone = dir.kind == Direction::Kind::kBackup ||
                (by_agreement && unchanged_since_sync(*l) && !dovecot_readonly(*l));
    if (!gone) continue;
    MailboxAttribute g = *l;
    g.deleted = true;
    g.value.clear();
    g.last_change = 0;  // now
    g.modseq = 0;
    stored[key] = std::move(g);
  }
  for (const auto& [key, a] : stored) plan.store.push_back(a);

  // Both sides' state afterwards: this side's after `store`; the peer's
  // after it judged what this side sent (two-way, by time: what this side
  // sends always carries one); a backup or one-way source keeps its own.
  std::set<Key> keys;
  for (const auto& [k, a] : mine) keys.insert(k);
  for (const auto& [k, a] : theirs) keys.insert(k);
  for (const auto& key : keys) {
    auto st = stored.find(key);
    const MailboxAttribute* mine_after = st != stored.end() ? &st->second : find(mine, key);
    const MailboxAttribute* peer_after = find(theirs, key);
    const MailboxAttribute* s = find(out, key);
    if (s && dir.two_way() && remote_wins(*s, peer_after)) peer_after = s;
    if (!mine_after) continue;
    if (same_state(mine_after, peer_after) || (mine_after->deleted && !peer_after))
      plan.agreed.push_back(*mine_after);
  }
  return plan;
}

uint64_t attributes_digest(const std::vector<MailboxAttribute>& attrs) {
  std::map<Key, const std::string*> live;
  for (const auto& a : attrs)
    if (!a.deleted) live[{a.type, a.key}] = &a.value;
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  for (const auto& [key, value] : live) {
    char t = key.first == AttributeType::kPrivate ? 'p' : 's';
    uint64_t sizes[2] = {key.second.size(), value->size()};
    XXH3_64bits_update(st, &t, 1);
    XXH3_64bits_update(st, sizes, sizeof sizes);
    XXH3_64bits_update(st, key.second.data(), key.second.size());
    XXH3_64bits_update(st, value->data(), value->size());
  }
  uint64_t h = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return h;
}

}  // namespace roost::dsync
