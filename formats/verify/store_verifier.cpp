#include "formats/verify/store_verifier.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "formats/search/search_matcher.hpp"
#include "formats/verify/body_hash.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

const char* difference_kind_name(DifferenceKind kind) {
  switch (kind) {
    case DifferenceKind::kMailboxOnlyA:
      return "mailbox-only-a";
    case DifferenceKind::kMailboxOnlyB:
      return "mailbox-only-b";
    case DifferenceKind::kMailboxGuid:
      return "mailbox-guid";
    case DifferenceKind::kUidValidity:
      return "uidvalidity";
    case DifferenceKind::kMessageOnlyA:
      return "message-only-a";
    case DifferenceKind::kMessageOnlyB:
      return "message-only-b";
    case DifferenceKind::kUid:
      return "uid";
    case DifferenceKind::kGuid:
      return "guid";
    case DifferenceKind::kFlags:
      return "flags";
    case DifferenceKind::kKeywords:
      return "keywords";
    case DifferenceKind::kSize:
      return "size";
    case DifferenceKind::kReceivedDate:
      return "received-date";
    case DifferenceKind::kBody:
      return "body";
    case DifferenceKind::kSubscriptionOnlyA:
      return "subscription-only-a";
    case DifferenceKind::kSubscriptionOnlyB:
      return "subscription-only-b";
  }
  return "unknown";
}

namespace {

// B's name spelled with A's hierarchy separator, so stores opened with
// different separators (Maildir++ '.', fs layouts '/') still match up.
std::string respell(const std::string& name, char from, char to) {
  if (from == to || from == 0 || to == 0) return name;
  std::string out = name;
  std::replace(out.begin(), out.end(), from, to);
  return out;
}

// INBOX first, then byte order: the order a person reads a report in.
bool mailbox_order(const std::string& x, const std::string& y) {
  bool ix = x == "INBOX", iy = y == "INBOX";
  if (ix != iy) return ix;
  return x < y;
}

std::vector<std::string> folded_keywords(const MessageFlags& f) {
  std::vector<std::string> out;
  out.reserve(f.keywords.size());
  for (const auto& k : f.keywords) out.push_back(to_lower(k));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string keyword_text(const MessageFlags& f) {
  std::vector<std::string> kws = f.keywords;
  std::sort(kws.begin(), kws.end());
  return join(kws, " ");
}

std::string system_flag_text(uint8_t system) {
  MessageFlags f;
  f.system = system;
  return format_flags(f);
}

struct HashResult {
  std::optional<BodyHash> hash;  // nullopt: the message is gone
  std::string error;
};

HashResult hash_of(Mailbox& box, uint32_t uid, std::vector<char>& buffer, uint64_t& bytes) {
  HashResult r;
  std::unique_ptr<std::istream> in;
  try {
    in = box.open_message(uid);
  } catch (const Error& e) {
    // The index lists it but its file is gone: the store lost this mail.
    // Any other failure (permissions, I/O) is an error, not a finding.
    if (e.exit_code() != kExitNotFound && e.exit_code() != kExitNoInput) throw;
    r.error = std::string("unreadable: ") + e.what();
    return r;
  }
  uint64_t n = 0;
  r.hash = hash_message(*in, buffer, &n);
  bytes += n;
  return r;
}

}  // namespace

StoreVerifier::StoreVerifier(MailStorage& a, MailStorage& b, VerifyOptions options)
    : a_(a), b_(b), options_(std::move(options)) {}

bool StoreVerifier::selected(const std::string& name) const {
  if (options_.mailbox_patterns.empty()) return true;
  for (const auto& p : options_.mailbox_patterns)
    if (mailbox_pattern_match(p, name, a_.separator())) return true;
  return false;
}

void StoreVerifier::add(VerifyReport& report, MailboxReport* box, Difference d) const {
  ++report.total_differences;
  if (box) ++box->differences;
  if (report.differences.size() < options_.max_listed) report.differences.push_back(std::move(d));
}

VerifyReport StoreVerifier::run() {
  VerifyReport report;
  // Whether GUIDs are compared is each mailbox pair's answer
  // (Mailbox::can_save_guid); the report says whether every pair did.
  bool any_pair = false, all_guids = true;

  struct Side {
    std::string name;  // the store's own spelling
    bool selectable = false;
  };
  std::map<std::string, std::pair<std::optional<Side>, std::optional<Side>>> names;
  for (const auto& info : a_.list_mailboxes())
    names[info.name].first = Side{info.name, info.selectable};
  for (const auto& info : b_.list_mailboxes())
    names[respell(info.name, b_.separator(), a_.separator())].second =
        Side{info.name, info.selectable};
  std::vector<std::string> order;
  for (const auto& [name, sides] : names) order.push_back(name);
  std::sort(order.begin(), order.end(), mailbox_order);

  for (const auto& name : order) {
    if (!selected(name)) continue;
    const auto& [sa, sb] = names[name];
    // Drivers list INBOX even before it exists on disk (it is created on
    // first use): ask, so that verifying never creates one.
    auto present = [&](MailStorage& st, const std::optional<Side>& side) {
      return side && side->selectable && (name != "INBOX" || st.mailbox_exists(side->name));
    };
    bool in_a = present(a_, sa), in_b = present(b_, sb);
    if (!in_a && !in_b) continue;  // a \NoSelect parent (or nothing) on both sides
    MailboxReport box;
    box.name = name;
    box.in_a = in_a;
    box.in_b = in_b;
    auto open = [](MailStorage& st, const std::string& storage_name, std::string& guid,
                   uint32_t& uidvalidity, uint32_t& messages) {
      auto mailbox = st.open_mailbox(storage_name);
      MailboxStatus status = mailbox->status();
      guid = status.guid.hex();
      uidvalidity = status.uidvalidity;
      messages = status.messages;
      return mailbox;
    };
    std::unique_ptr<Mailbox> ma, mb;
    if (in_a) ma = open(a_, sa->name, box.guid_a, box.uidvalidity_a, box.messages_a);
    if (in_b) mb = open(b_, sb->name, box.guid_b, box.uidvalidity_b, box.messages_b);
    if (!in_b) {
      add(report, &box,
          {DifferenceKind::kMailboxOnlyA, name, 0, 0, "",
           std::to_string(box.messages_a) + " messages", ""});
    } else if (!in_a) {
      add(report, &box,
          {DifferenceKind::kMailboxOnlyB, name, 0, 0, "", "",
           std::to_string(box.messages_b) + " messages"});
    } else {
      if (options_.mailbox_guids && box.guid_a != box.guid_b)
        add(report, &box, {DifferenceKind::kMailboxGuid, name, 0, 0, "", box.guid_a, box.guid_b});
      if (box.uidvalidity_a != box.uidvalidity_b)
        add(report, &box,
            {DifferenceKind::kUidValidity, name, 0, 0, "", std::to_string(box.uidvalidity_a),
             std::to_string(box.uidvalidity_b)});
      any_pair = true;
      all_guids = all_guids && ma->can_save_guid() && mb->can_save_guid();
      compare_mailbox(name, *ma, *mb, report, box);
    }
    if (progress_) progress_(box);
    report.mailboxes.push_back(std::move(box));
  }

  std::set<std::string> subs_a, subs_b;
  for (const auto& s : a_.subscriptions())
    if (selected(s)) subs_a.insert(s);
  for (const auto& s : b_.subscriptions()) {
    std::string n = respell(s, b_.separator(), a_.separator());
    if (selected(n)) subs_b.insert(n);
  }
  for (const auto& s : subs_a)
    if (!subs_b.count(s))
      add(report, nullptr, {DifferenceKind::kSubscriptionOnlyA, s, 0, 0, "", "subscribed", ""});
  for (const auto& s : subs_b)
    if (!subs_a.count(s))
      add(report, nullptr, {DifferenceKind::kSubscriptionOnlyB, s, 0, 0, "", "", "subscribed"});
  report.message_guids_compared = any_pair && all_guids;
  return report;
}

void StoreVerifier::compare_mailbox(const std::string& name, Mailbox& a, Mailbox& b,
                                    VerifyReport& report, MailboxReport& box) {
  // Records first, bodies after: opening a message may make a driver
  // re-read its mailbox (a file renamed meanwhile), which replaces the
  // record list, so no reference into it may live across an open.
  std::vector<std::pair<uint32_t, std::string>> common;  // UID, A's GUID
  const bool guids = a.can_save_guid() && b.can_save_guid();
  compare_records(name, a.messages(), b.messages(), guids, report, box, common);
  if (options_.bodies) compare_bodies(name, a, b, common, report, box);
}

void StoreVerifier::compare_bodies(const std::string& name, Mailbox& a, Mailbox& b,
                                   const std::vector<std::pair<uint32_t, std::string>>& common,
                                   VerifyReport& report, MailboxReport& box) {
  if (buffer_.size() != options_.buffer_size) buffer_.resize(options_.buffer_size);
  for (const auto& [uid, guid] : common) {
    HashResult hx = hash_of(a, uid, buffer_, report.bytes_hashed);
    HashResult hy = hash_of(b, uid, buffer_, report.bytes_hashed);
    ++report.bodies_compared;
    ++box.bodies_compared;
    if (!hx.hash || !hy.hash || !(*hx.hash == *hy.hash))
      add(report, &box,
          {DifferenceKind::kBody, name, uid, 0, guid, hx.hash ? "xxh3:" + hx.hash->hex() : hx.error,
           hy.hash ? "xxh3:" + hy.hash->hex() : hy.error});
  }
}

void StoreVerifier::compare_records(const std::string& name, const std::vector<MessageRecord>& ra,
                                    const std::vector<MessageRecord>& rb, bool guids,
                                    VerifyReport& report, MailboxReport& box,
                                    std::vector<std::pair<uint32_t, std::string>>& common) {
  std::vector<const MessageRecord*> only_a, only_b;
  size_t i = 0, j = 0;
  while (i < ra.size() || j < rb.size()) {
    if (j == rb.size() || (i < ra.size() && ra[i].uid < rb[j].uid)) {
      only_a.push_back(&ra[i++]);
      continue;
    }
    if (i == ra.size() || rb[j].uid < ra[i].uid) {
      only_b.push_back(&rb[j++]);
      continue;
    }
    const MessageRecord& x = ra[i++];
    const MessageRecord& y = rb[j++];
    ++report.messages_compared;
    if (guids && x.guid != y.guid)
      add(report, &box, {DifferenceKind::kGuid, name, x.uid, 0, x.guid, x.guid, y.guid});
    if (options_.flags) {
      // \Recent belongs to a session, never to the stored message.
      uint8_t fx = x.flags.system & kFlagsStorable, fy = y.flags.system & kFlagsStorable;
      if (fx != fy)
        add(report, &box,
            {DifferenceKind::kFlags, name, x.uid, 0, x.guid, system_flag_text(fx),
             system_flag_text(fy)});
      if (folded_keywords(x.flags) != folded_keywords(y.flags))
        add(report, &box,
            {DifferenceKind::kKeywords, name, x.uid, 0, x.guid, keyword_text(x.flags),
             keyword_text(y.flags)});
    }
    // INTERNALDATE: clients sort by it, dsync keeps it. Unknown (0) on
    // either side proves nothing.
    if (options_.dates && x.received_date && y.received_date && x.received_date != y.received_date)
      add(report, &box,
          {DifferenceKind::kReceivedDate, name, x.uid, 0, x.guid, std::to_string(x.received_date),
           std::to_string(y.received_date)});
    // Sizes a driver doesn't know (0) prove nothing either way.
    if (x.virtual_size && y.virtual_size && x.virtual_size != y.virtual_size)
      add(report, &box,
          {DifferenceKind::kSize, name, x.uid, 0, x.guid, std::to_string(x.virtual_size),
           std::to_string(y.virtual_size)});
    if (options_.bodies) common.emplace_back(x.uid, x.guid);
  }

  // A message under another UID is one finding, not a missing plus an
  // extra one (only provable where both formats keep message GUIDs).
  if (guids && !only_a.empty() && !only_b.empty()) {
    std::unordered_multimap<std::string, size_t> by_guid;
    for (size_t k = 0; k < only_b.size(); ++k) by_guid.emplace(only_b[k]->guid, k);
    std::vector<bool> paired_b(only_b.size(), false);
    std::vector<const MessageRecord*> rest_a;
    for (const auto* x : only_a) {
      auto [lo, hi] = by_guid.equal_range(x->guid);
      auto it = std::find_if(lo, hi, [&](const auto& kv) { return !paired_b[kv.second]; });
      if (x->guid.empty() || it == hi) {
        rest_a.push_back(x);
        continue;
      }
      paired_b[it->second] = true;
      add(report, &box,
          {DifferenceKind::kUid, name, x->uid, only_b[it->second]->uid, x->guid,
           std::to_string(x->uid), std::to_string(only_b[it->second]->uid)});
    }
    std::vector<const MessageRecord*> rest_b;
    for (size_t k = 0; k < only_b.size(); ++k)
      if (!paired_b[k]) rest_b.push_back(only_b[k]);
    only_a.swap(rest_a);
    only_b.swap(rest_b);
  }
  for (const auto* x : only_a)
    add(report, &box, {DifferenceKind::kMessageOnlyA, name, x->uid, 0, x->guid, "present", ""});
  for (const auto* y : only_b)
    add(report, &box, {DifferenceKind::kMessageOnlyB, name, y->uid, 0, y->guid, "", "present"});
}

}  // namespace roost
