#include "dsync/dsync_attribute_plan.hpp"

#include <xxhash.h>

#include <map>
#include <tuple>

namespace roost::dsync {
namespace {

using Key = std::pair<AttributeType, std::string>;

std::map<Key, const MailboxAttribute*> by_key(const std::vector<MailboxAttribute>& attrs) {
  std::map<Key, const MailboxAttribute*> out;
  for (const auto& a : attrs) out[{a.type, a.key}] = &a;
  return out;
}

// Whether the peer's `r` should replace this side's `l` (two-way).
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

}  // namespace

std::vector<MailboxAttribute> plan_attributes(const std::vector<MailboxAttribute>& local,
                                              const std::vector<MailboxAttribute>& remote,
                                              bool master, const Direction& dir) {
  std::vector<MailboxAttribute> out;
  if (dir.is_source(master)) return out;
  auto mine = by_key(local);
  auto theirs = by_key(remote);
  for (const auto& [key, r] : theirs) {
    auto it = mine.find(key);
    const MailboxAttribute* l = it == mine.end() ? nullptr : it->second;
    bool live_here = l && !l->deleted;
    bool take = false;
    switch (dir.kind) {
      case Direction::Kind::kTwoWay:
        take = remote_wins(*r, l);
        break;
      case Direction::Kind::kBackup:
        take = r->deleted ? live_here : !live_here || l->value != r->value;
        break;
      case Direction::Kind::kOneWay:
        take = !r->deleted && !live_here;
        break;
    }
    if (take) out.push_back(*r);
  }
  if (dir.kind == Direction::Kind::kBackup) {
    for (const auto& [key, l] : mine) {
      if (l->deleted) continue;
      if (theirs.count(key)) continue;  // the source's value or tombstone, taken above
      MailboxAttribute gone = *l;
      gone.deleted = true;
      gone.value.clear();
      gone.last_change = 0;  // now
      gone.modseq = 0;
      out.push_back(std::move(gone));
    }
  }
  return out;
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
