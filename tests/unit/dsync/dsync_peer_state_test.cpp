// The per-peer state file: a later run without -s is incremental.
#include <catch2/catch.hpp>

#include "dsync/dsync_peer_state.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/dsync/dsync_test_util.hpp"

namespace roost::test::dsync {

TEST_CASE("dsync peer state: a no-op re-run from the saved state opens no mail file", "[dsync]") {
  for (const auto& fa : formats())
    for (const auto& fb : formats()) {
      INFO(fa << "->" << fb);
      Store a(fa), b(fb);
      for (int i = 0; i < 4; ++i) save(*a.storage, "INBOX", message("m" + std::to_string(i)));
      save(*a.storage, "Box", message("x"));
      std::string path = roost::dsync::peer_state_path(a.storage->location(), fb + ":" + b.dir);
      CHECK(path.rfind(a.dir + "/.roost-dsync-state.", 0) == 0);
      CHECK(roost::dsync::load_peer_state(path).empty());  // none yet
      auto r = sync(*a.storage, *b.storage);
      roost::dsync::save_peer_state(path, {}, r.new_state);
      auto saved = roost::dsync::load_peer_state(path);
      CHECK(saved.size() == 2);
      OpenCounter ca, cb;
      auto wa = counting(*a.storage, ca);
      auto wb = counting(*b.storage, cb);
      auto r2 = sync(*wa, *wb, {}, roost::dsync::ChannelKind::kInProcess,
                     roost::dsync::export_state(saved));
      CHECK(ca.opens == 0);
      CHECK(cb.opens == 0);
      // A -m run updates its mailbox and keeps the others' entries.
      roost::dsync::StateMap only_inbox;
      Guid128 inbox = a.storage->open_mailbox("INBOX")->status().guid;
      only_inbox[inbox] = r2.new_state.at(inbox);
      only_inbox[inbox].last_messages_count = 99;
      roost::dsync::save_peer_state(path, saved, only_inbox);
      auto merged = roost::dsync::load_peer_state(path);
      CHECK(merged.size() == 2);
      CHECK(merged.at(inbox).last_messages_count == 99);
    }
}

TEST_CASE("dsync peer state: stale entries and bad files are ignored", "[dsync]") {
  Store a("maildir"), b("maildir");
  save(*a.storage, "INBOX", message("m1"));
  auto r = sync(*a.storage, *b.storage);
  std::string path = roost::dsync::peer_state_path(a.storage->location(), "peer");
  roost::dsync::save_peer_state(path, {}, r.new_state);
  // The mailbox starts a new UID space on the master: its entry no longer
  // matches and the run compares the mails (the new one arrives).
  auto box = a.storage->open_mailbox("INBOX");
  REQUIRE(box->update({{}, box->status().uidvalidity + 5, 0}));
  save(*a.storage, "INBOX", message("m2"));
  sync(*a.storage, *b.storage, {}, roost::dsync::ChannelKind::kInProcess,
       roost::dsync::export_state(roost::dsync::load_peer_state(path)));
  CHECK(snapshot(*a.storage, false) == snapshot(*b.storage, false));
  CHECK(snapshot(*b.storage, false)["INBOX"].size() == 2);
  // A damaged file reads as no state.
  write_file_atomic(path, "not a state\n");
  CHECK(roost::dsync::load_peer_state(path).empty());
  // Another peer, another file.
  CHECK(roost::dsync::peer_state_path(a.storage->location(), "peer2") != path);
}

}  // namespace roost::test::dsync
