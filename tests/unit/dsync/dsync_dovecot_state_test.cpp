// The state rules a Roost master keeps with a Dovecot slave
// (dsync_dovecot_state.hpp) and the handshake key that tells the peers apart.
#include <catch2/catch.hpp>

#include "dsync/dsync_dovecot_state.hpp"
#include "dsync/dsync_wire.hpp"

namespace roost::dsync {
namespace {

MailboxItem item(uint32_t uidvalidity, uint32_t uidnext, uint32_t messages, uint64_t modseq) {
  MailboxItem b;
  b.uid_validity = uidvalidity;
  b.uid_next = uidnext;
  b.messages_count = messages;
  b.highest_modseq = modseq;
  return b;
}

}  // namespace

TEST_CASE("dsync Dovecot state: a mailbox is unchanged only when all its counters match",
          "[dsync]") {
  MailboxState st{Guid128::generate(), 100, 7, 42, 0, 5, false};
  MailboxItem own = item(100, 8, 5, 42);
  CHECK(unchanged_since_state(st, own));
  MailboxItem b = own;
  b.uid_validity = 101;
  CHECK_FALSE(unchanged_since_state(st, b));
  b = own;
  b.uid_next = 9;  // a new mail
  CHECK_FALSE(unchanged_since_state(st, b));
  b = own;
  b.highest_modseq = 43;  // a flag change or an attribute write
  CHECK_FALSE(unchanged_since_state(st, b));
  b = own;
  b.messages_count = 4;
  CHECK_FALSE(unchanged_since_state(st, b));
  b = own;
  b.highest_pvt_modseq = 1;
  CHECK_FALSE(unchanged_since_state(st, b));
  // An empty record (no UIDVALIDITY yet) never lets a mailbox be skipped.
  MailboxState empty{st.mailbox_guid, 0, 0, 0, 0, 0, false};
  CHECK_FALSE(unchanged_since_state(empty, item(0, 1, 0, 0)));
}

TEST_CASE("dsync Dovecot state: a changes-only run skips only identical counters", "[dsync]") {
  MailboxItem a = item(100, 8, 5, 42);
  MailboxItem b = a;
  CHECK_FALSE(boxes_differ(a, b));
  b.highest_modseq = 41;
  CHECK(boxes_differ(a, b));
  b = a;
  b.first_recent_uid = 3;
  CHECK(boxes_differ(a, b));
  b = a;
  b.uid_next = 9;
  CHECK(boxes_differ(a, b));
  b = a;
  b.messages_count = 6;
  CHECK(boxes_differ(a, b));
  b = a;
  b.uid_validity = 7;
  CHECK(boxes_differ(a, b));
}

TEST_CASE("dsync Dovecot state: one last_common_modseq below both sides' counters, no pvt",
          "[dsync]") {
  Guid128 g = Guid128::generate();
  // The master announced 12 and has 15 after importing the slave's
  // changes; the slave announced 20 and took the master's 12 as its state.
  MailboxItem master_after = item(100, 9, 8, 15);
  MailboxItem slave_b = item(100, 8, 7, 20);
  MailboxState slave_state{g, 100, 8, 12, 0, 8, false};
  MailboxState st = dovecot_common_state(master_after, slave_b, slave_state);
  CHECK(st.mailbox_guid == g);
  CHECK(st.last_uidvalidity == 100);
  CHECK(st.last_common_modseq == 12);
  CHECK(st.last_common_modseq <= master_after.highest_modseq);
  CHECK(st.last_common_modseq <= slave_b.highest_modseq);
  CHECK(st.last_common_pvt_modseq == 0);  // what Dovecot without private flags has
  CHECK(st.last_common_uid == 8);         // the lower of both sides' last common UID
  CHECK(st.last_messages_count == 8);

  // The other way round: the slave's counter is the lower one.
  MailboxState st2 = dovecot_common_state(item(100, 9, 8, 30), item(100, 9, 8, 18),
                                          MailboxState{g, 100, 8, 30, 0, 8, false});
  CHECK(st2.last_common_modseq == 18);
  CHECK(st2.last_common_uid == 8);

  // After a run that changed nothing on either side, a mailbox the master
  // left unchanged is recognised from its own counters alone.
  MailboxItem settled = item(100, 9, 8, 30);
  MailboxState st3 =
      dovecot_common_state(settled, item(100, 9, 8, 30), MailboxState{g, 100, 8, 30, 0, 8, false});
  CHECK(unchanged_since_state(st3, settled));
}

TEST_CASE("dsync wire: the handshake tells a Roost peer from Dovecot", "[dsync]") {
  WireDecoder d;
  Handshake roost;
  roost.hostname = "r";
  roost.roost = true;
  Handshake other;
  other.hostname = "d";
  d.feed(encode_preamble() + encode_item(roost) + encode_item(other));
  CHECK(std::get<Handshake>(*d.next()).roost);
  CHECK_FALSE(std::get<Handshake>(*d.next()).roost);
}

}  // namespace roost::dsync
