// Two brains in one process, over the in-process channel and over the byte
// stream, on every pair of formats in formats().
#include <unistd.h>
#include <catch2/catch.hpp>

#include "dsync/dsync_state.hpp"
#include "lib/error.hpp"
#include "tests/unit/dsync/dsync_test_util.hpp"

namespace roost::test::dsync {
namespace {

using roost::dsync::ChannelKind;
using roost::dsync::Direction;

struct Combo {
  std::string a, b;
  ChannelKind kind;
};

std::vector<Combo> combos() {
  std::vector<Combo> out;
  for (const auto& a : formats())
    for (const auto& b : formats())
      for (auto k : {ChannelKind::kInProcess, ChannelKind::kByteStream}) out.push_back({a, b, k});
  return out;
}

std::string label(const Combo& c) {
  return c.a + "->" + c.b + (c.kind == ChannelKind::kInProcess ? " (in-process)" : " (stream)");
}

// UIDs are compared only where both drivers can keep them (they can change
// UIDVALIDITY / UIDNEXT and keep message GUIDs: every format but mbox).
bool can_update(const std::string& format) {
  return format != "mbox";
}
bool keeps_uids(const Combo& c) {
  return can_update(c.a) && can_update(c.b);
}

Guid128 guid_of(MailStorage& s, const std::string& box) {
  return s.open_mailbox(box)->status().guid;
}

Direction backup() {
  Direction d;
  d.kind = Direction::Kind::kBackup;
  return d;
}

}  // namespace

TEST_CASE("dsync: first two-way sync copies tree, mails, flags, subscriptions", "[dsync]") {
  for (const auto& c : combos()) {
    INFO(label(c));
    Store a(c.a), b(c.b);
    save(*a.storage, "INBOX", message("m1"), "\\Seen");
    save(*a.storage, "INBOX", message("m2"), "\\Flagged $Work");
    save(*a.storage, "Work", message("w1"));
    a.storage->set_subscribed("Work", true);
    save(*b.storage, "INBOX", message("b1"));
    save(*b.storage, "Other", message("o1"), "\\Answered");
    auto r = sync(*a.storage, *b.storage, {}, c.kind);
    CHECK(r.changed_mailboxes.empty());
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
    CHECK(snapshot(*a.storage, false)["INBOX"].size() == 3);
    if (keeps_uids(c)) CHECK(snapshot(*a.storage, true) == snapshot(*b.storage, true));
    CHECK(guid_of(*a.storage, "Work") == guid_of(*b.storage, "Work"));
    CHECK(b.storage->subscriptions() == std::vector<std::string>{"Work"});
    // A second run changes nothing.
    auto before = snapshot(*b.storage, true);
    sync(*a.storage, *b.storage, {}, c.kind);
    CHECK(snapshot(*b.storage, true) == before);
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
  }
}

TEST_CASE("dsync: a rename is a rename, a delete stays deleted", "[dsync]") {
  for (const auto& c : combos()) {
    INFO(label(c));
    Store a(c.a), b(c.b);
    save(*a.storage, "Old", message("x"));
    save(*a.storage, "Gone", message("y"));
    sync(*a.storage, *b.storage, {}, c.kind);
    Guid128 g = guid_of(*b.storage, "Old");
    a.storage->rename_mailbox("Old", "New");
    a.storage->delete_mailbox("Gone");
    sync(*a.storage, *b.storage, {}, c.kind);
    CHECK_FALSE(b.storage->mailbox_exists("Old"));
    REQUIRE(b.storage->mailbox_exists("New"));
    CHECK(guid_of(*b.storage, "New") == g);  // renamed, not recreated
    CHECK_FALSE(b.storage->mailbox_exists("Gone"));
    CHECK_FALSE(a.storage->mailbox_exists("Gone"));  // not brought back from b
    // The other direction: the slave's delete isn't undone by the master.
    b.storage->delete_mailbox("New");
    sync(*a.storage, *b.storage, {}, c.kind);
    CHECK_FALSE(a.storage->mailbox_exists("New"));
    CHECK_FALSE(b.storage->mailbox_exists("New"));
  }
}

TEST_CASE("dsync: UID conflicts keep both mails with fresh UIDs", "[dsync]") {
  for (const auto& c : combos()) {
    INFO(label(c));
    Store a(c.a), b(c.b);
    save(*a.storage, "INBOX", message("common"));
    sync(*a.storage, *b.storage, {}, c.kind);
    uint32_t ua = save(*a.storage, "INBOX", message("only-a"));
    uint32_t ub = save(*b.storage, "INBOX", message("only-b"));
    if (keeps_uids(c)) CHECK(ua == ub);  // the same UID for different mails
    sync(*a.storage, *b.storage, {}, c.kind);
    auto sa = snapshot(*a.storage, false);
    CHECK(sa == snapshot(*b.storage, false));
    CHECK(sa["INBOX"].size() == 3);
    if (keeps_uids(c)) {
      CHECK(snapshot(*a.storage, true) == snapshot(*b.storage, true));
      auto la = snapshot(*a.storage, true)["INBOX"];
      CHECK(std::find(la.begin(), la.end(), std::to_string(ua) + " only-a []") == la.end());
    }
    sync(*a.storage, *b.storage, {}, c.kind);
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
  }
}

TEST_CASE("dsync: an expunge of another mail at the same UID expunges nothing", "[dsync]") {
  for (const auto& c : combos()) {
    // Told apart by GUID, or with mbox on a side (no portable GUIDs) by the
    // header key the expunging side recorded.
    INFO(label(c));
    Store a(c.a), b(c.b);
    save(*a.storage, "INBOX", message("common"));
    sync(*a.storage, *b.storage, {}, c.kind);
    uint32_t ua = save(*a.storage, "INBOX", message("only-a"));
    uint32_t ub = save(*b.storage, "INBOX", message("only-b"));
    if (keeps_uids(c)) CHECK(ua == ub);
    expunge(*b.storage, "INBOX", ub);  // B's own mail, not A's
    sync(*a.storage, *b.storage, {}, c.kind);
    auto sa = snapshot(*a.storage, false);
    CHECK(sa == snapshot(*b.storage, false));
    CHECK(sa["INBOX"] == std::vector<std::string>{"common []", "only-a []"});
  }
}

TEST_CASE("dsync: flags merge by modseq, expunges propagate", "[dsync]") {
  for (const auto& c : combos()) {
    INFO(label(c));
    Store a(c.a), b(c.b);
    uint32_t u1 = save(*a.storage, "INBOX", message("one"));
    uint32_t u2 = save(*a.storage, "INBOX", message("two"));
    save(*a.storage, "INBOX", message("three"));
    auto r = sync(*a.storage, *b.storage, {}, c.kind, "", 'c');
    std::string state = roost::dsync::export_state(r.new_state);
    auto bu = [&](const std::string& subject) {
      auto box = b.storage->open_mailbox("INBOX");
      for (const auto& r : box->messages())
        if (box->read_header(r.uid).find("Subject: " + subject + "\n") != std::string::npos)
          return r.uid;
      return 0u;
    };
    set_flags(*a.storage, "INBOX", u1, "\\Seen");
    set_flags(*b.storage, "INBOX", bu("two"), "\\Answered $Done");
    expunge(*b.storage, "INBOX", bu("three"));
    (void)u2;
    // With the state each side knows what it changed since: both changes win.
    sync(*a.storage, *b.storage, {}, c.kind, state);
    auto sa = snapshot(*a.storage, false);
    CHECK(sa == snapshot(*b.storage, false));
    REQUIRE(sa["INBOX"].size() == 2);
    CHECK(sa["INBOX"][0] == "one [\\Seen]");
    CHECK(sa["INBOX"][1] == "two [\\Answered $Done]");
  }
}

TEST_CASE("dsync: backup makes the destination exactly the source", "[dsync]") {
  for (const auto& c : combos()) {
    INFO(label(c));
    Store a(c.a), b(c.b);
    save(*a.storage, "INBOX", message("s1"), "\\Seen");
    save(*a.storage, "Arch", message("s2"));
    save(*b.storage, "INBOX", message("dest-only"));
    save(*b.storage, "Junk", message("dest-junk"));
    sync(*a.storage, *b.storage, backup(), c.kind);
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
    CHECK_FALSE(b.storage->mailbox_exists("Junk"));
    if (can_update(c.b)) {
      CHECK(snapshot(*a.storage, true) == snapshot(*b.storage, true));
      auto sa = a.storage->open_mailbox("INBOX")->status();
      auto sb = b.storage->open_mailbox("INBOX")->status();
      CHECK(sa.uidvalidity == sb.uidvalidity);
      CHECK(sa.uidnext == sb.uidnext);
    }
    // Changes on the destination are reverted, the source is untouched.
    auto src = snapshot(*a.storage, true);
    save(*b.storage, "INBOX", message("dest-later"));
    set_flags(*b.storage, "INBOX", b.storage->open_mailbox("INBOX")->messages().front().uid,
              "\\Deleted");
    sync(*a.storage, *b.storage, backup(), c.kind);
    CHECK(snapshot(*a.storage, true) == src);
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
    // A mail the destination expunged comes back.
    expunge(*b.storage, "INBOX", b.storage->open_mailbox("INBOX")->messages().front().uid);
    sync(*a.storage, *b.storage, backup(), c.kind);
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
    // -R: the master's side is the destination.
    Direction rev = backup();
    rev.master_is_source = false;
    save(*b.storage, "INBOX", message("restore-me"));
    sync(*a.storage, *b.storage, rev, c.kind);
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
    CHECK(snapshot(*a.storage, false)["INBOX"].size() == 2);
  }
}

TEST_CASE("dsync: a recreated destination takes the source's UIDVALIDITY despite the state",
          "[dsync]") {
  for (const auto& c : combos()) {
    if (!can_update(c.b)) continue;
    INFO(label(c));
    Store a(c.a);
    a.storage->create_mailbox("Empty");
    save(*a.storage, "INBOX", message("s1"));
    std::string state;
    {
      Store b(c.b);
      state = roost::dsync::export_state(sync(*a.storage, *b.storage, backup(), c.kind).new_state);
    }
    // The destination is gone; a new one whose empty mailbox matches the
    // state's counters by chance.
    Store b(c.b);
    sync(*a.storage, *b.storage, backup(), c.kind, state);
    for (const char* box : {"Empty", "INBOX"}) {
      INFO(box);
      CHECK(a.storage->open_mailbox(box)->status().uidvalidity ==
            b.storage->open_mailbox(box)->status().uidvalidity);
    }
  }
}

TEST_CASE("dsync: one-way merge adds but never deletes on the destination", "[dsync]") {
  Store a("maildir"), b("maildir");
  save(*a.storage, "INBOX", message("src"));
  save(*b.storage, "INBOX", message("dst"));
  Direction d;
  d.kind = Direction::Kind::kOneWay;
  sync(*a.storage, *b.storage, d);
  CHECK(snapshot(*b.storage, false)["INBOX"].size() == 2);
  CHECK(snapshot(*a.storage, false)["INBOX"].size() == 1);
}

TEST_CASE("dsync: a no-op sync with a state string opens no mail file", "[dsync]") {
  for (const auto& c : combos()) {
    INFO(label(c));
    Store a(c.a), b(c.b);
    for (int i = 0; i < 5; ++i) save(*a.storage, "INBOX", message("m" + std::to_string(i)));
    save(*a.storage, "Box", message("x"));
    auto r = sync(*a.storage, *b.storage, {}, c.kind);
    std::string state = roost::dsync::export_state(r.new_state);
    CHECK(r.new_state.size() == 2);
    OpenCounter ca, cb;
    auto wa = counting(*a.storage, ca);
    auto wb = counting(*b.storage, cb);
    auto r2 = sync(*wa, *wb, {}, c.kind, state);
    CHECK(ca.opens == 0);
    CHECK(cb.opens == 0);
    // After one change only that mailbox is looked at again.
    save(*a.storage, "Box", message("y"));
    auto r3 = sync(*a.storage, *b.storage, {}, c.kind, roost::dsync::export_state(r2.new_state));
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
    CHECK(r3.new_state.size() == 2);
  }
}

TEST_CASE("dsync: dry run changes nothing and lists the plan", "[dsync]") {
  Store a("maildir"), b("maildir");
  save(*a.storage, "INBOX", message("m1"));
  save(*a.storage, "New", message("m2"));
  roost::dsync::BrainSettings s;
  s.dry_run = true;
  auto before = snapshot(*b.storage, true);
  auto r = roost::dsync::run_local_sync(*a.storage, *b.storage, s);
  CHECK(snapshot(*b.storage, true) == before);
  CHECK_FALSE(b.storage->mailbox_exists("New"));
  auto peer = r.plan["peer"];
  bool create_listed = false;
  for (const auto& m : peer["mailboxes"])
    create_listed = create_listed || (m["action"] == "create" && m["mailbox"] == "New");
  CHECK(create_listed);
  CHECK(peer["messages"].size() == 2);
}

}  // namespace roost::test::dsync

namespace roost::test::dsync {

TEST_CASE("dsync: a UIDVALIDITY change on one side duplicates nothing", "[dsync]") {
  for (auto kind : {ChannelKind::kInProcess, ChannelKind::kByteStream}) {
    Store a("maildir"), b("maildir");
    for (int i = 0; i < 4; ++i) save(*a.storage, "INBOX", message("m" + std::to_string(i)));
    sync(*a.storage, *b.storage, {}, kind);
    // The replica's UID space starts over (as after a lost dovecot-uidlist).
    auto box = b.storage->open_mailbox("INBOX");
    REQUIRE(box->update({{}, box->status().uidvalidity + 7, 0}));
    save(*b.storage, "INBOX", message("new-on-b"));
    save(*a.storage, "INBOX", message("new-on-a"));
    sync(*a.storage, *b.storage, {}, kind);
    auto sa = snapshot(*a.storage, true);
    CHECK(sa == snapshot(*b.storage, true));  // UIDs converged too
    CHECK(sa["INBOX"].size() == 6);
    CHECK(a.storage->open_mailbox("INBOX")->status().uidvalidity ==
          b.storage->open_mailbox("INBOX")->status().uidvalidity);
    CHECK(a.storage->list_mailboxes().size() == b.storage->list_mailboxes().size());
  }
}

}  // namespace roost::test::dsync

namespace roost::test::dsync {

// What a two-way sync with an mbox peer leaves when it is killed on the
// other side between a renumbering copy (same GUID, fresh UID) and the
// expunge of the original: mails are paired by header key there, so the
// leftover must go by its GUID, not be copied back to the mbox.
TEST_CASE("dsync: an interrupted renumbering next to an mbox peer doubles nothing",
          "[dsync][mbox]") {
  for (const auto& fmt : formats()) {
    if (fmt == "mbox") continue;
    for (bool guid_side_first : {true, false}) {
      INFO(fmt << (guid_side_first ? " with mbox" : " behind mbox"));
      Store g(fmt), m("mbox");
      for (int i = 0; i < 3; ++i) save(*g.storage, "INBOX", message("m" + std::to_string(i)));
      save(*m.storage, "INBOX", message("on-mbox"));
      auto run = [&] {
        if (guid_side_first)
          sync(*g.storage, *m.storage);
        else
          sync(*m.storage, *g.storage);
      };
      run();
      REQUIRE(snapshot(*g.storage, false) == snapshot(*m.storage, false));
      {
        auto box = g.storage->open_mailbox("INBOX");
        const MessageRecord rec = box->messages().front();
        SaveRequest req;
        req.flags = rec.flags;
        req.guid = rec.guid;
        req.uid = box->status().uidnext;
        auto in = box->open_message(rec.uid);
        auto tx = box->begin();
        tx->save(*in, req);
        tx->commit();
        REQUIRE(box->messages().size() == 5);
      }
      run();
      run();
      auto sg = snapshot(*g.storage, false);
      CHECK(sg == snapshot(*m.storage, false));
      CHECK(sg["INBOX"].size() == 4);
    }
  }
}

// Mail paired by header key can sit at different UIDs on the two sides of
// one UID space (what an interrupted run leaves next to mbox, which can't
// keep a UID below its UIDNEXT): each is the other's match, not a UID
// conflict to copy both mails again for.
TEST_CASE("dsync: the same mails at crossed UIDs next to an mbox peer double nothing",
          "[dsync][mbox]") {
  for (const auto& fmt : formats()) {
    if (fmt == "mbox") continue;
    for (bool guid_side_first : {true, false}) {
      INFO(fmt << (guid_side_first ? " with mbox" : " behind mbox"));
      Store g(fmt), m("mbox");
      save(*m.storage, "INBOX", message("m2"));
      save(*m.storage, "INBOX", message("m1"));
      {
        auto mbox = m.storage->open_mailbox("INBOX");
        auto box = g.storage->open_mailbox("INBOX");
        REQUIRE(box->update({{}, mbox->status().uidvalidity, 0}));
      }
      save(*g.storage, "INBOX", message("m1"));
      save(*g.storage, "INBOX", message("m2"));
      auto run = [&] {
        if (guid_side_first)
          sync(*g.storage, *m.storage);
        else
          sync(*m.storage, *g.storage);
      };
      run();
      run();
      auto sg = snapshot(*g.storage, false);
      CHECK(sg == snapshot(*m.storage, false));
      CHECK(sg["INBOX"].size() == 2);
      // Flags travel between such matches too.
      std::vector<uint32_t> uids;
      {
        auto inbox = g.storage->open_mailbox("INBOX");  // alive while its records are read
        for (const auto& r : inbox->messages()) uids.push_back(r.uid);
      }
      for (uint32_t u : uids) set_flags(*g.storage, "INBOX", u, "\\Seen $Work");
      run();
      sg = snapshot(*g.storage, false);
      CHECK(sg == snapshot(*m.storage, false));
    }
  }
}

TEST_CASE("dsync: incremental syncs with state strings converge under random changes", "[dsync]") {
  for (const auto& fmt : formats()) {
    if (fmt == "mbox") continue;  // no incremental lists: header keys
    auto kind = fmt == "maildir" ? ChannelKind::kByteStream : ChannelKind::kInProcess;
    INFO(fmt);
    Store a(fmt), b(fmt);
    unsigned seed = 42;
    auto rnd = [&seed](unsigned n) {
      seed = seed * 1103515245u + 12345u;
      return (seed >> 16) % n;
    };
    int n = 0;
    for (int i = 0; i < 5; ++i) save(*a.storage, "INBOX", message("s" + std::to_string(n++)));
    std::string state =
        roost::dsync::export_state(sync(*a.storage, *b.storage, {}, kind).new_state);
    for (int round = 0; round < 8; ++round) {
      for (MailStorage* s : {a.storage.get(), b.storage.get()}) {
        for (int op = 0; op < 3; ++op) {
          auto box = s->open_mailbox("INBOX");
          auto msgs = box->messages();
          unsigned what = rnd(4);
          if (what == 0 || msgs.empty()) {
            save(*s, "INBOX", message("s" + std::to_string(n++)));
          } else if (what == 1) {
            expunge(*s, "INBOX", msgs[rnd(static_cast<unsigned>(msgs.size()))].uid);
          } else {
            set_flags(*s, "INBOX", msgs[rnd(static_cast<unsigned>(msgs.size()))].uid,
                      rnd(2) ? "\\Seen" : "\\Flagged $K");
          }
        }
      }
      auto r = sync(*a.storage, *b.storage, {}, kind, state);
      state = roost::dsync::export_state(r.new_state);
      INFO("round " << round);
      CHECK(snapshot(*a.storage, true) == snapshot(*b.storage, true));
    }
  }
}

}  // namespace roost::test::dsync

namespace roost::test::dsync {

TEST_CASE("dsync: a backup bigger than the flow limit streams through", "[dsync]") {
  for (auto kind : {ChannelKind::kInProcess, ChannelKind::kByteStream}) {
    Store a("maildir"), b("maildir");
    std::string big(20u << 20, 'x');
    for (size_t i = 0; i < big.size(); i += 100) big[i] = '\n';
    for (int i = 0; i < 3; ++i) save(*a.storage, "INBOX", message("big" + std::to_string(i), big));
    sync(*a.storage, *b.storage, backup(), kind);
    CHECK(snapshot(*a.storage, true) == snapshot(*b.storage, true));
    auto box = b.storage->open_mailbox("INBOX");
    CHECK(box->messages().back().physical_size > (20u << 20));
  }
}

}  // namespace roost::test::dsync

namespace roost::test::dsync {

TEST_CASE("dsync: a mailbox another program changes during the run is synced again", "[dsync]") {
  for (const auto& fa : formats())
    for (const auto& fb : formats())
      for (bool two_way : {true, false}) {
        INFO(fa << "->" << fb << (two_way ? " sync" : " backup"));
        Store a(fa), b(fb);
        for (int i = 0; i < 3; ++i) save(*a.storage, "INBOX", message("m" + std::to_string(i)));
        save(*a.storage, "Other", message("o"));
        // Another program writing to A while A sends its mails.
        StorageSettings st;
        st.fsync = false;
        auto other = open_storage(a.storage->location(), st);
        int late = 0;
        OpenCounter ca;
        auto wa = counting(*a.storage, ca);
        ca.on_open_message = [&](uint32_t) {
          if (late > 0) return;
          save(*other, "INBOX", message("late" + std::to_string(late++)));
          auto box = other->open_mailbox("INBOX");
          set_flags(*other, "INBOX", box->messages().front().uid, "\\Flagged");
        };
        Direction d = two_way ? Direction{} : backup();
        auto r = sync(*wa, *b.storage, d);
        CHECK(r.changed_mailboxes.empty());
        auto sa = snapshot(*a.storage, false);
        CHECK(sa == snapshot(*b.storage, false));
        CHECK(sa["INBOX"].size() == 4);
        // One that keeps changing is named (exit 2) after the bounded re-syncs.
        ca.on_open_message = [&](uint32_t) {
          save(*other, "INBOX", message("late" + std::to_string(late++)));
        };
        save(*a.storage, "INBOX", message("more"));
        r = sync(*wa, *b.storage, d);
        CHECK(r.changed_mailboxes == std::vector<std::string>{"INBOX"});
      }
}

}  // namespace roost::test::dsync

namespace roost::test::dsync {

TEST_CASE("dsync: an unsubscribe propagates two-way; the later rename wins", "[dsync]") {
  // Each format once as master and once as slave (the test sleeps to get
  // later timestamps).
  const auto& f = formats();
  for (size_t i = 0; i < f.size(); ++i) {
    const std::string &fa = f[i], &fb = f[(i + 1) % f.size()];
    INFO(fa << "<->" << fb);
    Store a(fa), b(fb);
    save(*a.storage, "Box", message("x"));
    save(*a.storage, "Ren", message("r"));
    a.storage->set_subscribed("Box", true);
    sync(*a.storage, *b.storage);
    REQUIRE(b.storage->subscriptions() == std::vector<std::string>{"Box"});
    // The slave unsubscribes after the sync subscribed it: not undone.
    sleep(1);
    b.storage->set_subscribed("Box", false);
    sync(*a.storage, *b.storage);
    CHECK(a.storage->subscriptions().empty());
    CHECK(b.storage->subscriptions().empty());
    // And the master subscribing again later wins back.
    sleep(1);
    a.storage->set_subscribed("Box", true);
    sync(*a.storage, *b.storage);
    CHECK(b.storage->subscriptions() == std::vector<std::string>{"Box"});
    // Both rename one mailbox: the slave's rename is the later one.
    a.storage->rename_mailbox("Ren", "ByMaster");
    sleep(1);
    b.storage->rename_mailbox("Ren", "BySlave");
    sync(*a.storage, *b.storage);
    CHECK(a.storage->mailbox_exists("BySlave"));
    CHECK_FALSE(a.storage->mailbox_exists("ByMaster"));
    CHECK(b.storage->mailbox_exists("BySlave"));
    CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
  }
}

}  // namespace roost::test::dsync
