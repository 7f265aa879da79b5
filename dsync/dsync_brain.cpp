#include "dsync/dsync_brain.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "dsync/dsync_attribute_plan.hpp"
#include "dsync/dsync_compact_key.hpp"
#include "dsync/dsync_dovecot_state.hpp"
#include "dsync/dsync_mail_key.hpp"
#include "dsync/dsync_mailbox_importer.hpp"
#include "dsync/dsync_mailbox_tree.hpp"
#include "dsync/dsync_wire.hpp"
#include "formats/search/search_matcher.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost::dsync {
namespace {

constexpr size_t kCommitInterval = 100;   // saves per transaction, as Dovecot's default
// Unread bytes (mail bodies, list items) a one-way sender may queue: enough
// to keep the receiver busy, small beside a 100,000-mail run's budget.
constexpr size_t kFlowLimit = 2u << 20;

template <class T>
T expect(Channel& ch, const char* what) {
  Item it = ch.receive();
  if (std::holds_alternative<Done>(it))
    throw Error(kExitTempFail, std::string("dsync: the other side gave up while we waited for ") +
                                   what + " (see its error)");
  if (auto* v = std::get_if<T>(&it)) return std::move(*v);
  throw Error(kExitProtocol,
              std::string("dsync: expected ") + what + ", got a '" + item_name(it) + "' item");
}

// Reads items of type T until ".".
template <class T>
std::vector<T> expect_list(Channel& ch, const char* what) {
  std::vector<T> out;
  while (true) {
    Item it = ch.receive();
    if (std::holds_alternative<EndOfList>(it)) return out;
    if (std::holds_alternative<Done>(it))
      throw Error(kExitTempFail, std::string("dsync: the other side gave up during ") + what);
    if (auto* v = std::get_if<T>(&it)) {
      out.push_back(std::move(*v));
      continue;
    }
    throw Error(kExitProtocol,
                std::string("dsync: expected ") + what + ", got a '" + item_name(it) + "' item");
  }
}

// A received mail's body read in place (an istringstream would copy it).
struct BodyView : std::streambuf {
  explicit BodyView(std::string& s) { setg(s.data(), s.data(), s.data() + s.size()); }

 protected:
  pos_type seekoff(off_type off, std::ios_base::seekdir dir,
                   std::ios_base::openmode which) override {
    off_type end = egptr() - eback();
    off_type to = dir == std::ios_base::beg   ? off
                  : dir == std::ios_base::cur ? gptr() - eback() + off
                                              : end + off;
    if (!(which & std::ios_base::in) || to < 0 || to > end) return pos_type(off_type(-1));
    setg(eback(), eback() + to, egptr());
    return pos_type(to);
  }
  pos_type seekpos(pos_type pos, std::ios_base::openmode which) override {
    return seekoff(off_type(pos), std::ios_base::beg, which);
  }
};

// Reads a whole mail into `out`, reserving its size first: the queue of
// mails in flight holds no doubled string capacity.
void read_body(std::istream& in, uint64_t size_hint, std::string& out) {
  out.clear();
  out.reserve(size_hint + 1);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0)
    out.append(buf, static_cast<size_t>(in.gcount()));
}

// The record of `uid`: a binary search over the (UID-ordered) list, a scan
// when a driver's list isn't ordered. Looking it up per mail by a scan made
// large mailboxes quadratic.
const MessageRecord* find_record(Mailbox& box, uint32_t uid) {
  const auto& msgs = box.messages();
  auto it = std::lower_bound(msgs.begin(), msgs.end(), uid,
                             [](const MessageRecord& r, uint32_t u) { return r.uid < u; });
  if (it != msgs.end() && it->uid == uid) return &*it;
  for (const auto& r : msgs)
    if (r.uid == uid) return &r;
  return nullptr;
}

std::vector<std::string> split_name(const std::string& name, char sep) {
  return sep ? split(name, sep) : std::vector<std::string>{name};
}

}  // namespace

const char* item_name(const Item& item) {
  // In the order of the Item variant.
  static const char* names[] = {"handshake",      "mailbox_state", "mailbox_tree_node",
                                "mailbox_delete", "mailbox",       "mail_change",
                                "mail_request",   "mail",          "finish",
                                "end of list",    "done",          "skipped",
                                "mailbox_attribute"};
  static_assert(std::size(names) == std::variant_size_v<Item>);
  return names[item.index()];
}

struct Brain::Impl {
  MailStorage* store;  // the slave may switch it after the handshake (-n/-N)
  Channel& ch;
  BrainSettings& s;
  BrainResult result;
  Direction dir;
  StateMap state;
  char sync_type = 'c';
  std::string sync_box;
  std::vector<std::string> exclude;
  bool master;
  // The peer is Dovecot (its handshake lacks Roost's key): mailboxes are
  // skipped and the state kept by Dovecot's rules (dsync_dovecot_state.hpp).
  bool peer_is_dovecot = false;
  // The peer's mailboxes as its tree told them (GUID -> UIDVALIDITY, UIDNEXT).
  std::map<Guid128, std::pair<uint32_t, uint32_t>> peer_uids;
  // The mailbox being exchanged: this side's attributes (with tombstones),
  // what it sent, the peer's list, and whether the peer is Roost (it tells
  // its attribute digest).
  struct AttributeExchange {
    std::vector<MailboxAttribute> mine, sent, peer;
    bool received = false;
    bool peer_is_roost = false;
  } attrs;

  void log(const std::string& line) {
    if (s.log) s.log(line);
  }

  bool wanted(const std::string& name) const {
    if (!sync_box.empty() && name != sync_box) return false;
    for (const auto& x : exclude)
      if (mailbox_pattern_match(x, name, store->separator())) return false;
    return true;
  }

  void handshake() {
    Handshake mine;
    mine.hostname = s.hostname;
    mine.roost = true;
    if (master) {
      mine.sync_type = s.sync_type;
      mine.sync_box = s.sync_box;
      mine.exclude_mailboxes = s.exclude;
      if (!s.direction.two_way()) {
        // As the receiver sees it.
        mine.backup_recv = s.direction.master_is_source;
        mine.backup_send = !s.direction.master_is_source;
        mine.no_backup_overwrite = s.direction.kind == Direction::Kind::kOneWay;
      }
      mine.hashed_headers = "Date\tMessage-ID\t";
    } else {
      mine.send_mail_requests = false;
    }
    if (master) {
      mine.sync_namespaces = s.namespaces;
      mine.sync_visible_namespaces = s.all_namespaces;
    }
    ch.send(mine);
    Handshake peer = expect<Handshake>(ch, "the handshake");
    peer_is_dovecot = !peer.roost;
    if (!master && s.choose_storage) store = &s.choose_storage(peer);
    if (master) {
      dir = s.direction;
      sync_type = s.sync_type;
      sync_box = s.sync_box;
      exclude = s.exclude;
      state = s.state;
    } else {
      if (peer.backup_recv || peer.backup_send) {
        dir.kind = peer.no_backup_overwrite ? Direction::Kind::kOneWay : Direction::Kind::kBackup;
        dir.master_is_source = peer.backup_recv;
      }
      sync_type = peer.sync_type;
      sync_box = peer.sync_box;
      exclude = peer.exclude_mailboxes;
    }
    if (sync_type == 's') {
      if (master) {
        for (const auto& [g, st] : state) ch.send(st);
        ch.send(EndOfList{});
      } else {
        for (auto& st : expect_list<MailboxState>(ch, "the state list"))
          state[st.mailbox_guid] = st;
      }
    }
  }

  TreeView own_tree() {
    TreeView v;
    auto subs = store->subscriptions();
    // When each mailbox was last renamed and its subscription last changed
    // (the log is oldest first: the last entry wins).
    std::map<Guid128, int64_t> renamed;
    std::unordered_map<std::string, int64_t> sub_changed;
    for (const auto& c : store->mailbox_list_changes()) {
      if (c.kind == MailboxListChange::Kind::kRename)
        renamed[c.guid] = c.timestamp;
      else
        sub_changed[c.name] = c.timestamp;
    }
    for (const auto& info : store->list_mailboxes()) {
      if (!info.selectable || !wanted(info.name)) continue;
      auto box = store->open_mailbox(info.name);
      MailboxStatus st = box->status();
      TreeNode n;
      n.name = split_name(info.name, store->separator());
      n.mailbox_guid = st.guid;
      n.uid_validity = st.uidvalidity;
      n.uid_next = st.uidnext;
      n.subscribed = std::find(subs.begin(), subs.end(), info.name) != subs.end();
      if (auto r = renamed.find(st.guid); r != renamed.end()) n.last_renamed_or_created = r->second;
      if (auto c = sub_changed.find(info.name); c != sub_changed.end())
        n.last_subscription_change = c->second;
      v.nodes.push_back(std::move(n));
    }
    v.deletes.hierarchy_sep = store->separator();
    v.deletes.mailboxes = store->deleted_mailboxes();
    return v;
  }

  TreePlan sync_tree() {
    TreeView mine = own_tree();
    for (const auto& n : mine.nodes) ch.send(n);
    ch.send(EndOfList{});
    ch.send(mine.deletes);
    TreeView peer;
    peer.nodes = expect_list<TreeNode>(ch, "the mailbox tree");
    peer.deletes = expect<MailboxDeletes>(ch, "the mailbox deletes");
    for (const auto& n : peer.nodes)
      if (n.existence == 'y' && !n.mailbox_guid.empty())
        peer_uids[n.mailbox_guid] = {n.uid_validity, n.uid_next};
    TreePlan plan = master ? plan_tree(mine, peer, dir) : plan_tree(peer, mine, dir);
    char sep = store->separator();
    auto& json = result.plan["mailboxes"];
    json = nlohmann::json::array();
    for (const auto& a : master ? plan.master_actions : plan.slave_actions) {
      std::string name = join_name(a.name, sep);
      nlohmann::json j = {{"mailbox", name}};
      try {
        switch (a.kind) {
          case TreeAction::Kind::kCreate:
            j["action"] = "create";
            j["guid"] = a.guid.hex();
            if (!s.dry_run) store->create_mailbox(name, a.guid);
            break;
          case TreeAction::Kind::kRename:
            j["action"] = "rename";
            j["to"] = join_name(a.new_name, sep);
            if (!s.dry_run) store->rename_mailbox(name, join_name(a.new_name, sep));
            break;
          case TreeAction::Kind::kDelete:
            j["action"] = "delete";
            if (!s.dry_run) store->delete_mailbox(name);
            break;
          case TreeAction::Kind::kSubscribe:
          case TreeAction::Kind::kUnsubscribe: {
            bool on = a.kind == TreeAction::Kind::kSubscribe;
            j["action"] = on ? "subscribe" : "unsubscribe";
            if (!s.dry_run) store->set_subscribed(name, on);
            break;
          }
          case TreeAction::Kind::kSetGuid:
            j["action"] = "set-guid";
            j["guid"] = a.guid.hex();
            if (!s.dry_run) set_guid(name, a.guid);
            break;
        }
      } catch (const Error& e) {
        // One mailbox that can't be changed (e.g. a delete of a parent with
        // children) doesn't stop the others; the next run tries again.
        log("mailbox " + name + ": " + e.what());
        result.changed_mailboxes.push_back(name);
        j["error"] = e.what();
      }
      log(std::string("mailbox ") + name + ": " + j["action"].get<std::string>());
      json.push_back(std::move(j));
    }
    return plan;
  }

  MailboxItem box_item(Mailbox* box, const Guid128& guid) {
    MailboxItem b;
    b.mailbox_guid = guid;
    if (!box) {  // dry run: a mailbox the plan would create, as a fresh one
      b.uid_next = 1;
      b.have_save_guids = true;
      b.can_update = true;
      return b;
    }
    MailboxStatus st = box->status();
    b.uid_validity = st.uidvalidity;
    b.uid_next = st.uidnext;
    b.messages_count = st.messages;
    b.highest_modseq = st.highest_modseq;
    b.have_guids = true;
    b.have_save_guids = box->can_save_guid();
    b.can_update = box->can_update();
    if (box->supports_attributes()) {
      b.has_attr_digest = true;
      b.attr_digest = attributes_digest(box->attributes());
    }
    return b;
  }

  // Gives a mailbox another GUID; its attributes (kept by GUID) move along.
  void set_guid(const std::string& name, const Guid128& guid) {
    auto box = store->open_mailbox(name);
    auto before = own_attributes(box.get());
    if (!box->update({guid, 0, 0}) || before.empty()) return;
    try {
      for (const auto& a : before) box->set_attribute(a);
    } catch (const Error& e) {
      log("mailbox " + name + ": attributes: " + e.what());
    }
  }

  static std::vector<MailboxAttribute> own_attributes(Mailbox* box) {
    if (!box || !box->supports_attributes()) return {};
    return box->attributes(true);
  }

  // False only when both sides told their attribute digests and they differ.
  static bool same_attributes(const MailboxItem& a, const MailboxItem& b) {
    return !(a.has_attr_digest && b.has_attr_digest && a.attr_digest != b.attr_digest);
  }

  // Stores what plan_attributes picks from the peer's list. Attributes are
  // not vital: one that can't be stored is logged, the sync goes on.
  // Returns how many were stored (each raised HIGHESTMODSEQ by one).
  uint64_t sync_attributes(Mailbox* box, const std::string& name) {
    uint64_t stored = 0;
    auto plan = plan_attributes(attrs.mine, attrs.peer, attrs.sent, attrs.received,
                                attrs.peer_is_roost, master, dir);
    for (const auto& a : plan.store) {
      std::string attr = attribute_name(a.type, a.key);
      result.plan["attributes"].push_back(
          {{"mailbox", name}, {"attribute", attr}, {"action", a.deleted ? "unset" : "set"}});
      log("mailbox " + name + ": attribute " + attr + (a.deleted ? " unset" : " set"));
      if (s.dry_run || !box) continue;
      try {
        box->set_attribute(a);
        ++stored;
      } catch (const Error& e) {
        log("mailbox " + name + ": attribute " + attr + ": " + e.what());
      }
    }
    if (s.dry_run || !box || plan.agreed.empty()) return stored;
    try {
      box->mark_attributes_synced(plan.agreed);
    } catch (const Error& e) {
      log("mailbox " + name + ": attributes: " + e.what());
    }
    return stored;
  }

  // An 'e' change; where mails are paired by header key it carries the key
  // the driver recorded with the expunge, so the peer removes only that mail.
  static MailChange expunge_change(const ExpungeRecord& x, bool use_hash) {
    MailChange c;
    c.type = 'e';
    c.uid = x.uid;
    c.guid = x.guid;
    if (use_hash) c.hdr_hash = x.hdr_key;
    return c;
  }

  static ExpungeEntry expunge_entry(const MailChange& c) {
    return {c.uid, mail_key(c.guid), mail_key(c.hdr_hash)};
  }

  // This side's messages, compact (the planner's local list).
  SideList own_list(Mailbox* box, const MailboxItem& b, bool use_hash) {
    SideList l;
    l.box = b;
    if (!box) return l;
    const auto& msgs = box->messages();
    l.messages.reserve(msgs.size());
    for (const auto& r : msgs) {
      std::string hdr = use_hash ? mail_header_key(*box, r.uid) : std::string();
      l.add(r.uid, r.guid, mail_key(use_hash ? hdr : r.guid), r.modseq, r.flags);
    }
    for (const auto& x : box->expunged_since(0))
      l.expunges.push_back(expunge_entry(expunge_change(x, use_hash)));
    l.sort();
    return l;
  }

  static MailChange save_change(uint32_t uid, std::string_view guid, const std::string& hdr,
                                uint64_t modseq, const MessageFlags& flags) {
    MailChange c;
    c.type = 's';
    c.uid = uid;
    c.guid = guid;
    c.hdr_hash = hdr;
    c.modseq = modseq;
    put_flags(c, flags);
    return c;
  }

  // `since`: send only messages changed after this modseq (incremental);
  // then a message at or below `common_uid` (in the state) is a flag change
  // ('f'), as Dovecot's importer requires of UIDs both sides had.
  // `list`: the planner's list of this side; without one (a backup source,
  // which plans nothing) the changes come straight from the mailbox.
  // Changes go out in UID order, expunges among the messages (Dovecot's
  // importer asserts ascending UIDs).
  void send_list(const SideList* list, std::optional<uint64_t> since, uint32_t common_uid,
                 Mailbox* box, bool use_hash) {
    for (const auto& a : attrs.sent) ch.send(a);
    ch.send(EndOfList{});
    std::vector<MailChange> expunges;
    if (box)
      for (const auto& x : box->expunged_since(since.value_or(0)))
        expunges.push_back(expunge_change(x, use_hash));
    std::stable_sort(expunges.begin(), expunges.end(),
                     [](const MailChange& a, const MailChange& b) { return a.uid < b.uid; });
    size_t next_expunge = 0;
    auto send_change = [&](MailChange c) {
      while (next_expunge < expunges.size() && expunges[next_expunge].uid < c.uid)
        send_expunge(expunges, next_expunge++);
      // A Dovecot peer takes one change per UID: the live mail's.
      while (peer_is_dovecot && next_expunge < expunges.size() &&
             expunges[next_expunge].uid == c.uid)
        ++next_expunge;
      if (since && c.uid <= common_uid) c.type = 'f';
      ch.send(std::move(c));
    };
    if (list) {
      for (const auto& m : list->messages) {
        if (since && m.modseq <= *since) continue;
        std::string hdr = use_hash && !m.key.empty() ? m.key.hex() : std::string();
        send_change(
            save_change(m.uid, list->guid(m), hdr, m.modseq, list->keywords.flags(m.flags)));
      }
    } else if (box) {
      for (const auto& r : box->messages()) {
        if (since && r.modseq <= *since) continue;
        std::string hdr = use_hash ? mail_header_key(*box, r.uid) : std::string();
        MessageFlags f = r.flags;
        f.system &= kFlagsStorable;
        send_change(save_change(r.uid, r.guid, hdr, r.modseq, f));
      }
    }
    while (next_expunge < expunges.size()) send_expunge(expunges, next_expunge++);
    ch.send(EndOfList{});
  }

  // Sends expunges[i] unless a Dovecot peer already had one for its UID.
  void send_expunge(std::vector<MailChange>& expunges, size_t i) {
    if (peer_is_dovecot && i > 0 && expunges[i - 1].uid == expunges[i].uid) return;
    ch.send(std::move(expunges[i]));
  }

  SideList receive_list(const MailboxItem& b, bool use_hash) {
    SideList l;
    l.box = b;
    attrs.peer = expect_list<MailboxAttributeItem>(ch, "attributes");
    attrs.received = true;
    // Converted as they arrive: only the compact list is kept.
    l.messages.reserve(std::min<size_t>(b.messages_count, 1u << 20));
    while (true) {
      Item it = ch.receive();
      if (std::holds_alternative<EndOfList>(it)) break;
      if (std::holds_alternative<Done>(it))
        throw Error(kExitTempFail, "dsync: the other side gave up during mail changes");
      auto* cp = std::get_if<MailChange>(&it);
      if (!cp)
        throw Error(kExitProtocol, std::string("dsync: expected mail changes, got a '") +
                                       item_name(it) + "' item");
      const MailChange& c = *cp;
      if (c.type == 'e') {
        l.expunges.push_back(expunge_entry(c));
        continue;
      }
      l.add(c.uid, c.guid, mail_key(use_hash ? c.hdr_hash : c.guid), c.modseq, flags_of_change(c));
    }
    l.sort();
    return l;
  }

  // The peer's requests, compact: a UID, and the GUID only when it isn't
  // the one this side's message at that UID has.
  struct PeerRequests {
    std::vector<std::pair<uint32_t, StringArena::Ref>> uids;
    StringArena guids;
    size_t size() const { return uids.size(); }
  };

  PeerRequests receive_requests(Mailbox* box) {
    PeerRequests out;
    while (true) {
      Item it = ch.receive();
      if (std::holds_alternative<EndOfList>(it)) return out;
      if (std::holds_alternative<Done>(it))
        throw Error(kExitTempFail, "dsync: the other side gave up during mail requests");
      auto* r = std::get_if<MailRequest>(&it);
      if (!r)
        throw Error(kExitProtocol, std::string("dsync: expected mail requests, got a '") +
                                       item_name(it) + "' item");
      const MessageRecord* rec = box ? find_record(*box, r->uid) : nullptr;
      StringArena::Ref g;
      if (!rec || rec->guid != r->guid) g = out.guids.add(r->guid);
      out.uids.emplace_back(r->uid, g);
    }
  }

  // Sends the bodies the peer asked for, in its order.
  void answer_requests(Mailbox* box, const PeerRequests& reqs) {
    for (const auto& [uid, g] : reqs.uids) {
      Mail m;
      const MessageRecord* rec = box ? find_record(*box, uid) : nullptr;
      m.guid = g.len || !rec ? std::string(reqs.guids.view(g)) : rec->guid;
      try {
        if (!box) throw Error(kExitNotFound, "no mailbox");
        auto in = box->open_message(uid);
        read_body(*in, rec ? rec->physical_size : 0, m.body);
        m.has_body = true;
        if ((rec = find_record(*box, uid))) {
          m.received_date = rec->received_date;
          m.saved_date = rec->save_date;
          m.pop3_uidl = rec->pop3_uidl;
          m.pop3_order = rec->pop3_order;
        }
      } catch (const Error& e) {
        if (e.exit_code() != kExitNotFound) throw;
        // Expunged since the list was sent: the peer skips it (exit 2).
      }
      if (s.progress && m.has_body) s.progress->mail_copied(m.body.size());
      ch.send(std::move(m));
    }
    ch.send(EndOfList{});
  }

  // Progress: what this side will save plus what it will send.
  void report_begin(const std::string& name, Mailbox* box, const MailboxPlan& plan, bool saves_here,
                    const PeerRequests& peer_reqs) {
    size_t count = peer_reqs.size() + (saves_here ? plan.saves.size() : 0);
    uint64_t bytes = 0;
    if (box && count) {
      auto size = [&](uint32_t uid) -> uint64_t {
        const MessageRecord* rec = find_record(*box, uid);
        return rec ? rec->physical_size : 0;
      };
      for (const auto& r : peer_reqs.uids) bytes += size(r.first);
      if (saves_here)
        for (const auto& sv : plan.saves)
          if (!sv.from_remote) bytes += size(sv.source_uid);
    }
    s.progress->mailbox_begin(name, count, bytes);
  }

  // `saved`: how many mails this side saved (the others vanished meanwhile).
  bool apply(Mailbox& box, const MailboxPlan& plan, const SideList& local, const SideList& remote,
             const std::string& name, size_t& saved) {
    bool changed = false;
    saved = 0;
    if (plan.reset_uids) {
      auto tx = box.begin();
      for (const auto& r : box.messages()) tx->expunge(r.uid);
      tx->commit();
      if (box.status().uidvalidity == plan.set_uidvalidity) {
        // Same UIDVALIDITY but UIDs that can't be reused: pass through
        // another value so the UID space really starts over.
        uint32_t other = plan.set_uidvalidity == 0xffffffffu ? 1 : plan.set_uidvalidity + 1;
        box.update({{}, other, 1});
      }
      box.update({{}, plan.set_uidvalidity, 1});
    } else if (plan.set_uidvalidity) {
      box.update({{}, plan.set_uidvalidity, 1});
    }
    auto tx = box.begin();
    size_t pending = 0;
    bool can_guid = box.can_save_guid();
    for (const auto& sv : plan.saves) {
      const SideList& side = sv.from_remote ? remote : local;
      const MessageEntry& e = side.messages[sv.entry];
      SaveRequest req;
      req.flags = side.keywords.flags(e.flags);
      req.uid = sv.target_uid;
      if (can_guid) req.guid = side.guid(e);
      if (sv.from_remote) {
        Mail m = expect<Mail>(ch, "a mail");
        if (!m.has_body) {
          changed = true;
          continue;
        }
        req.received_date = m.received_date;
        req.save_date = m.saved_date;
        req.pop3_uidl = m.pop3_uidl;
        req.pop3_order = m.pop3_order;
        BodyView view(m.body);
        std::istream in(&view);
        tx->save(in, req);
        if (s.progress) s.progress->mail_copied(m.body.size());
      } else {
        uint64_t size = 0;
        if (const MessageRecord* rec = find_record(box, sv.source_uid)) {
          req.received_date = rec->received_date;
          req.save_date = rec->save_date;
          req.pop3_uidl = rec->pop3_uidl;
          size = rec->physical_size;
        }
        auto in = box.open_message(sv.source_uid);
        tx->save(*in, req);
        if (s.progress) s.progress->mail_copied(size);
      }
      ++saved;
      if (++pending >= kCommitInterval) {
        tx->commit();
        tx = box.begin();
        pending = 0;
      }
    }
    expect_list<Mail>(ch, "the end of the mails");
    for (const auto& [uid, j] : plan.flag_sets)
      tx->update_flags(uid, FlagOp::kReplace, remote.keywords.flags(remote.messages[j].flags));
    for (uint32_t uid : plan.expunges) tx->expunge(uid);
    tx->commit();
    if (plan.min_uidnext && box.status().uidnext < plan.min_uidnext)
      box.update({{}, 0, plan.min_uidnext});
    if (changed) log("mailbox " + name + ": the other side changed during the sync");
    return changed;
  }

  // Drops all but the last (highest UID) of the messages sharing a GUID;
  // returns the UIDs dropped. Sorted (GUID key, index) pairs: 20 bytes a
  // mail while it runs, nothing copied when there is no duplicate.
  static std::vector<uint32_t> drop_duplicate_guids(SideList& local, bool use_hash) {
    std::vector<std::pair<MailKey, uint32_t>> by_guid;
    by_guid.reserve(local.messages.size());
    for (uint32_t i = 0; i < local.messages.size(); ++i) {
      const MessageEntry& m = local.messages[i];
      MailKey g = use_hash ? mail_key(local.guid(m)) : m.key;
      if (!g.empty()) by_guid.emplace_back(g, i);
    }
    std::sort(by_guid.begin(), by_guid.end());
    std::vector<bool> drop(local.messages.size());
    bool any = false;
    for (size_t k = 0; k + 1 < by_guid.size(); ++k)
      if (by_guid[k].first == by_guid[k + 1].first) drop[by_guid[k].second] = any = true;
    std::vector<uint32_t> dropped;
    if (!any) return dropped;
    size_t out = 0;
    for (size_t i = 0; i < local.messages.size(); ++i) {
      if (drop[i])
        dropped.push_back(local.messages[i].uid);
      else
        local.messages[out++] = local.messages[i];
    }
    local.messages.resize(out);
    return dropped;
  }

  void sync_mailbox(const MailboxPair* pair, const MailboxItem& master_b, bool skip_now) {
    char sep = store->separator();
    std::string name = pair ? join_name(master ? pair->master_name : pair->slave_name, sep) : "";
    bool created = pair && (master ? pair->master_created : pair->slave_created);
    std::unique_ptr<Mailbox> box;
    if (pair && !(s.dry_run && created)) box = store->open_mailbox(name);
    MailboxItem mine = box_item(box.get(), master ? pair->master_guid : master_b.mailbox_guid);
    if (!pair) mine.mailbox_ignore = true;
    MailboxItem peer;
    if (master) {
      ch.send(mine);
      peer = expect<MailboxItem>(ch, "the peer's mailbox");
    } else {
      peer = master_b;
      ch.send(mine);
    }
    Guid128 key = master ? mine.mailbox_guid : peer.mailbox_guid;
    if (master && pair && peer.mailbox_lost) {
      // A Dovecot slave answers so when it can't sync the mailbox from the
      // state (its counters are below it) or lost it meanwhile: it syncs
      // nothing of it. No state for it: the next pass syncs it in full.
      log("mailbox " + name +
          ": the peer can't sync it from the state (or lost it); syncing it in full on another "
          "pass");
      result.changed_mailboxes.push_back(name);
      result.new_state.erase(key);
      return;
    }
    if (!pair || skip_now || peer.mailbox_ignore || peer.mailbox_lost) return;
    attrs.peer_is_roost = peer.has_attr_digest;
    const MailboxItem& mb = master ? mine : peer;
    const MailboxItem& sb = master ? peer : mine;
    // A mailbox this run created (the destination was recreated since the
    // state) may match the state's counters by chance, empty as it is: it
    // still has to take the other side's UIDVALIDITY.
    bool created_now = pair->master_created || pair->slave_created;
    if (peer_is_dovecot) {
      // Dovecot's rules: with a state the master already left out the
      // mailboxes it found unchanged and both sides sync every announced
      // one; a changes-only run skips a mailbox whose counters agree.
      if (sync_type == 'c' && !boxes_differ(mine, peer)) {
        log("mailbox " + name + ": unchanged (the same counters on both sides)");
        if (master)
          result.new_state[key] = dovecot_common_state(
              mine, peer,
              {key, mine.uid_validity, mine.uid_next ? mine.uid_next - 1 : 0, mine.highest_modseq,
               mine.highest_pvt_modseq, mine.messages_count, false});
        return;
      }
      if (auto st = state.find(key); master && sync_type == 's' && st != state.end())
        log("mailbox " + name + ": changed since the state (HIGHESTMODSEQ " +
            std::to_string(st->second.last_common_modseq) + " -> " +
            std::to_string(mine.highest_modseq) + ", UIDNEXT " +
            std::to_string(st->second.last_common_uid + 1) + " -> " +
            std::to_string(mine.uid_next) + ")");
    } else if (sync_type != 'f') {
      auto st = state.find(key);
      if (st != state.end() && !created_now && st->second.last_uidvalidity == mb.uid_validity &&
          st->second.last_common_modseq == mb.highest_modseq &&
          st->second.last_common_pvt_modseq == sb.highest_modseq &&
          mb.messages_count == sb.messages_count && same_attributes(mine, peer)) {
        log("mailbox " + name + ": unchanged since the state");
        record_state(key, mb, sb);
        return;
      }
      if (st != state.end())
        log("mailbox " + name + ": changed since the state (HIGHESTMODSEQ " +
            std::to_string(st->second.last_common_modseq) + "/" +
            std::to_string(st->second.last_common_pvt_modseq) + " -> " +
            std::to_string(mb.highest_modseq) + "/" + std::to_string(sb.highest_modseq) +
            ", messages " + std::to_string(st->second.last_messages_count) + " -> " +
            std::to_string(mb.messages_count) + "/" + std::to_string(sb.messages_count) + ")");
    }
    bool use_hash = !(mine.have_save_guids && peer.have_save_guids);
    // Backup and one-way (dsync-protocol.md §5): the source sends its
    // changes and mails, the destination only its requests. The source
    // plans nothing: it sends its changes straight from the mailbox.
    bool source_only = dir.is_source(master), dest_only = dir.is_dest(master);
    SideList local;
    local.box = mine;
    if (!source_only) local = own_list(box.get(), mine, use_hash);
    // One GUID twice in a mailbox is what an interrupted renumbering (copy,
    // then expunge) leaves behind: keep the newer copy, drop the other
    // before the peer sees the list. (Header keys may repeat legitimately.)
    // A side whose driver keeps saved GUIDs knows its copies by GUID even
    // when the pair matches mail by header key (an mbox peer): there the
    // leftover would pair with nothing the peer expunged and be copied back.
    std::vector<uint32_t> duplicates;
    if (mine.have_save_guids && !source_only) duplicates = drop_duplicate_guids(local, use_hash);
    // Both sides send their lists (a backup destination's too: the source
    // needs nothing from it, but the exchange stays symmetric).
    // Incremental lists: with a state for this UID space, two-way syncs send
    // only what changed since; both sides decide this from the same facts.
    std::optional<uint64_t> since;
    const MailboxState* known = nullptr;
    if (auto st = state.find(key);
        st != state.end() && st->second.last_uidvalidity == mb.uid_validity)
      known = &st->second;
    bool partial = known && sync_type == 's' && dir.two_way() && !use_hash &&
                   mb.uid_validity == sb.uid_validity && known->last_common_uid > 0;
    // With a Dovecot peer the state holds one modseq valid on both sides.
    bool one_modseq = peer_is_dovecot;
    if (partial)
      since = master || one_modseq ? known->last_common_modseq : known->last_common_pvt_modseq;
    attrs.mine = own_attributes(box.get());
    attrs.sent = dest_only ? std::vector<MailboxAttribute>{}
                           : attributes_to_send(attrs.mine, attrs.peer_is_roost, dir);
    attrs.peer.clear();
    attrs.received = false;
    if (!dest_only)
      send_list(source_only ? nullptr : &local, since, partial ? known->last_common_uid : 0,
                box.get(), use_hash);
    SideList remote;
    remote.box = peer;
    if (!source_only) remote = receive_list(peer, use_hash);
    uint64_t attr_modseqs = sync_attributes(box.get(), name);
    if (known) {
      uint64_t m = known->last_common_modseq;
      uint64_t sl = one_modseq ? m : known->last_common_pvt_modseq;
      local.synced_modseq = master ? m : sl;
      remote.synced_modseq = master ? sl : m;
    }
    bool incomplete = false;
    if (partial) {
      remote.partial = true;
      remote.common_uid = known->last_common_uid;
      incomplete = !source_only && !partial_list_adds_up(remote, *known);
      if (incomplete)
        log("mailbox " + name +
            ": the peer's changes since the state don't add up to its message count (a lost "
            "expunge record?); comparing in full on another pass");
    }
    MailboxPlan plan = plan_mailbox(local, remote, master, dir);
    plan.expunges.insert(plan.expunges.end(), duplicates.begin(), duplicates.end());
    if (plan.another_pass) result.another_pass = true;
    record_plan(name, plan, local, remote);
    if (!source_only) {
      if (!s.dry_run)
        for (const auto& sv : plan.saves)
          if (sv.from_remote)
            ch.send(
                MailRequest{std::string(remote.guid(remote.messages[sv.entry])), sv.source_uid});
      ch.send(EndOfList{});
    }
    PeerRequests peer_reqs;
    if (!dest_only) peer_reqs = receive_requests(box.get());
    if (s.progress) report_begin(name, box.get(), plan, !source_only && !s.dry_run, peer_reqs);
    if (!dest_only) answer_requests(box.get(), peer_reqs);
    // Changed by someone else since this side listed it? (The exported
    // list no longer tells the peer everything.)
    bool changed = incomplete;
    std::optional<MailboxStatus> before_apply;
    if (box && !s.dry_run) {
      before_apply = fresh_status(*box);
      if (status_moved(*before_apply, mine, attr_modseqs)) {
        log("mailbox " + name + ": changed by another program during the sync");
        changed = true;
      }
    }
    if (!source_only) {  // the destination sends no mails
      if (s.dry_run || !box) {
        expect_list<Mail>(ch, "the end of the mails");
      } else {
        size_t saved = 0;
        if (apply(*box, plan, local, remote, name, saved)) changed = true;
        if (!changed && !plan.reset_uids && changed_beyond(*box, *before_apply, plan, saved)) {
          log("mailbox " + name + ": changed by another program during the sync");
          changed = true;
        }
      }
    }
    MailboxItem after = box && !s.dry_run ? box_item(box.get(), mine.mailbox_guid) : mine;
    MailboxState my_state{key,
                          after.uid_validity,
                          after.uid_next ? after.uid_next - 1 : 0,
                          after.highest_modseq,
                          0,
                          after.messages_count,
                          changed};
    ch.send(my_state);
    MailboxState peer_state = expect<MailboxState>(ch, "the peer's mailbox state");
    if (changed || peer_state.changes_during_sync) result.changed_mailboxes.push_back(name);
    if (master && (changed || peer_state.changes_during_sync)) {
      // What changed meanwhile isn't synced: no state for this mailbox, so
      // the next pass compares it in full rather than skip it.
      result.new_state.erase(key);
    } else if (master && peer_is_dovecot) {
      MailboxState common = dovecot_common_state(after, peer, peer_state);
      common.mailbox_guid = key;
      result.new_state[key] = common;
    } else if (master) {
      MailboxItem peer_after;
      peer_after.uid_validity = peer_state.last_uidvalidity;
      peer_after.highest_modseq = peer_state.last_common_modseq;
      peer_after.messages_count = peer_state.last_messages_count;
      record_state(key, after, peer_after);
    }
    if (!plan.empty())
      log("mailbox " + name + ": " + std::to_string(plan.saves.size()) + " saved, " +
          std::to_string(plan.expunges.size()) + " expunged, " +
          std::to_string(plan.flag_sets.size()) + " flag changes");
  }

  // An incremental list holds every message changed since the state and
  // every expunge since: with the message count at the state they must give
  // the peer's count now. A driver that lost expunge records fails this.
  static bool partial_list_adds_up(const SideList& peer, const MailboxState& known) {
    int64_t expected = known.last_messages_count;
    for (const auto& e : peer.expunges)
      if (e.uid <= known.last_common_uid) --expected;
    for (const auto& m : peer.messages)
      if (m.uid > known.last_common_uid) ++expected;
    return expected == static_cast<int64_t>(peer.box.messages_count);
  }

  static MailboxStatus fresh_status(Mailbox& box) {
    box.sync();  // what others wrote to disk since
    return box.status();
  }

  // Whether the mailbox moved on from what its B item announced (beyond
  // the `own_modseqs` this side's attribute writes took).
  static bool status_moved(const MailboxStatus& now, const MailboxItem& announced,
                           uint64_t own_modseqs) {
    return now.uidvalidity != announced.uid_validity || now.uidnext != announced.uid_next ||
           now.messages != announced.messages_count ||
           now.highest_modseq != announced.highest_modseq + own_modseqs;
  }

  // After this side applied `plan` (`saved` mails) on top of `before`:
  // whether anything else changed too. Every message change since then must
  // be one of the plan's: a save (as many new UIDs as saves), a flag change
  // of a planned UID, an expunge of a planned UID.
  static bool changed_beyond(Mailbox& box, const MailboxStatus& before, const MailboxPlan& plan,
                             size_t saved) {
    MailboxStatus now = fresh_status(box);
    if (now.uidvalidity != before.uidvalidity) return true;
    std::set<uint32_t> flagged, expunged(plan.expunges.begin(), plan.expunges.end());
    for (const auto& [uid, j] : plan.flag_sets) flagged.insert(uid);
    size_t fresh = 0;
    for (const auto& r : box.changed_since(before.highest_modseq)) {
      if (r.uid >= before.uidnext)
        ++fresh;
      else if (!flagged.count(r.uid))
        return true;
    }
    if (fresh != saved) return true;
    for (const auto& x : box.expunged_since(before.highest_modseq))
      if (!expunged.count(x.uid)) return true;  // this side never expunges what it saves
    return false;
  }

  void record_state(const Guid128& g, const MailboxItem& m, const MailboxItem& sl) {
    // last_common_pvt_modseq carries the slave's HIGHESTMODSEQ (Roost has
    // no private flags): with both counters a no-op run is recognised.
    // The master's UIDVALIDITY: with a driver that can't adopt the other's
    // (mbox) the two stay different for good, and the state must still work.
    MailboxState st{g,
                    m.uid_validity,
                    m.uid_next ? m.uid_next - 1 : 0,
                    m.highest_modseq,
                    sl.highest_modseq,
                    m.messages_count,
                    false};
    result.new_state[g] = st;
  }

  void record_plan(const std::string& name, const MailboxPlan& plan, const SideList& local,
                   const SideList& remote) {
    // Only a dry run prints it: a real run of 100,000 mails would hold one
    // JSON object per mail for nothing.
    if (plan.empty() || !s.dry_run) return;
    nlohmann::json j = {{"mailbox", name}};
    nlohmann::json saves = nlohmann::json::array();
    for (const auto& sv : plan.saves)
      saves.push_back({{"uid", sv.target_uid},
                       {"guid", (sv.from_remote ? remote : local)
                                    .guid((sv.from_remote ? remote : local).messages[sv.entry])},
                       {"from", sv.from_remote ? "peer" : "local"},
                       {"source_uid", sv.source_uid}});
    j["copy"] = saves;
    j["expunge"] = plan.expunges;
    nlohmann::json flags = nlohmann::json::array();
    for (const auto& [uid, j] : plan.flag_sets)
      flags.push_back(
          {{"uid", uid}, {"flags", format_flags(remote.keywords.flags(remote.messages[j].flags))}});
    j["flags"] = flags;
    if (plan.reset_uids || plan.set_uidvalidity) j["uidvalidity"] = plan.set_uidvalidity;
    result.plan["messages"].push_back(std::move(j));
  }

  // A master facing a Dovecot slave with a state leaves out, unannounced,
  // a mailbox of its own unchanged since the state (a Dovecot slave syncs
  // every mailbox it is told of and would wait for its attributes). The
  // state entry is kept as it is. Beyond Dovecot: new mail on the slave
  // (its tree node's UIDNEXT moved past the state) is not left out.
  bool unchanged_for_dovecot(const MailboxPair& p) {
    if (!peer_is_dovecot || sync_type != 's' || p.master_created || p.slave_created) return false;
    auto st = state.find(p.master_guid);
    if (st == state.end()) return false;
    if (auto n = peer_uids.find(p.slave_guid);
        n != peer_uids.end() &&
        (n->second.first != st->second.last_uidvalidity ||
         n->second.second != static_cast<uint64_t>(st->second.last_common_uid) + 1))
      return false;
    std::string name = join_name(p.master_name, store->separator());
    auto box = store->open_mailbox(name);
    if (!unchanged_since_state(st->second, box_item(box.get(), p.master_guid))) return false;
    log("mailbox " + name + ": unchanged since the state");
    result.new_state[p.master_guid] = st->second;
    return true;
  }

  void mailboxes(const TreePlan& tree) {
    // One-way transfers: only the source sends mails, the destination reads
    // them as they come, so a bound on what waits unread keeps memory flat
    // (a whole mailbox never piles up). Two-way, both sides send their mails
    // before reading the other's: a bound there could block both.
    if (!dir.two_way()) ch.set_flow_limit(kFlowLimit);
    result.plan["messages"] = nlohmann::json::array();
    if (master) {
      if (s.progress) s.progress->tree_planned(tree.pairs.size());
      for (const auto& p : tree.pairs) {
        if (!unchanged_for_dovecot(p)) sync_mailbox(&p, {}, false);
        if (s.progress) s.progress->mailbox_end(join_name(p.master_name, store->separator()));
      }
      ch.send(EndOfList{});
      expect<Finish>(ch, "the finish");
      return;
    }
    while (true) {
      Item it = ch.receive();
      if (std::holds_alternative<EndOfList>(it)) break;
      auto* b = std::get_if<MailboxItem>(&it);
      if (!b)
        throw Error(kExitProtocol,
                    std::string("dsync: expected a mailbox, got a '") + item_name(it) + "' item");
      const MailboxPair* pair = nullptr;
      // By the master's GUID; a peer that resolved a same-name GUID clash
      // the other way (Dovecot) may name it by ours.
      for (const auto& p : tree.pairs)
        if (p.master_guid == b->mailbox_guid) pair = &p;
      for (const auto& p : tree.pairs)
        if (!pair && p.slave_guid == b->mailbox_guid) pair = &p;
      sync_mailbox(pair, *b, false);
    }
    ch.send(Finish{});
    ch.send(Done{});
  }
};

Brain::Brain(MailStorage& storage, Channel& channel, BrainSettings settings)
    : storage_(storage), channel_(channel), settings_(std::move(settings)) {}

BrainResult Brain::run() {
  Impl impl{&storage_, channel_, settings_,        {},    {}, {}, 'c',
            {},        {},       settings_.master, false, {}, {}};
  try {
    impl.handshake();
    TreePlan tree = impl.sync_tree();
    impl.mailboxes(tree);
  } catch (...) {
    try {
      channel_.send(Done{});
    } catch (...) {
    }
    channel_.close();
    throw;
  }
  channel_.close();
  return std::move(impl.result);
}

}  // namespace roost::dsync
