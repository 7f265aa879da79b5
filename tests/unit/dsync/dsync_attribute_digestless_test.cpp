// A peer that tells no attribute digest (Dovecot 2.3) and a state string:
// an attribute-only change reaches it once the attribute write moved the
// mailbox's HIGHESTMODSEQ (as Dovecot's own attribute writes do), with no
// mail changed.
#include <catch2/catch.hpp>

#include <thread>

#include "dsync/dsync_brain.hpp"
#include "dsync/dsync_channel.hpp"
#include "dsync/dsync_state.hpp"
#include "tests/unit/dsync/dsync_test_util.hpp"

namespace roost::test::dsync {
namespace {

using namespace roost::dsync;

// A channel that drops Roost's attribute digest from every B item it
// delivers: the receiving brain sees a peer like Dovecot 2.3.
class NoDigestChannel : public Channel {
 public:
  explicit NoDigestChannel(std::unique_ptr<Channel> in) : in_(std::move(in)) {}
  void send(Item item) override { in_->send(std::move(item)); }
  void set_flow_limit(size_t bytes) override { in_->set_flow_limit(bytes); }
  Item receive() override {
    Item it = in_->receive();
    if (auto* b = std::get_if<MailboxItem>(&it)) {
      b->has_attr_digest = false;
      b->attr_digest = 0;
    }
    return it;
  }
  void close() override { in_->close(); }

 private:
  std::unique_ptr<Channel> in_;
};

// A two-way sync of `master` with `slave`, neither seeing the other's
// digest; `state`: the -s string ("" = none). Returns the new state.
std::string sync_without_digests(MailStorage& master, MailStorage& slave,
                                 const std::string& state) {
  auto [a, b] = make_channel_pair();
  NoDigestChannel ca(std::move(a)), cb(std::move(b));
  BrainSettings ms;
  if (!state.empty()) {
    std::string err;
    auto st = import_state(state, err);
    REQUIRE(st);
    ms.state = *st;
    ms.sync_type = 's';
  }
  BrainSettings ss;
  ss.master = false;
  std::exception_ptr slave_error;
  std::thread t([&] {
    try {
      Brain(slave, cb, ss).run();
    } catch (...) {
      slave_error = std::current_exception();
    }
  });
  BrainResult r;
  try {
    r = Brain(master, ca, ms).run();
  } catch (...) {
    t.join();
    throw;
  }
  t.join();
  if (slave_error) std::rethrow_exception(slave_error);
  CHECK(r.changed_mailboxes.empty());
  return export_state(r.new_state);
}

std::vector<std::string> attrs(MailStorage& s, const std::string& box) {
  std::vector<std::string> out;
  for (const auto& a : s.open_mailbox(box)->attributes())
    out.push_back(attribute_name(a.type, a.key) + "=" + a.value);
  return out;
}

void set(MailStorage& s, const std::string& box, const std::string& value) {
  MailboxAttribute a;
  a.key = "comment";
  a.value = value;
  s.open_mailbox(box)->set_attribute(a);
}

}  // namespace

TEST_CASE(
    "dsync attributes: without digests, a moved HIGHESTMODSEQ carries an attribute-only "
    "change past the state",
    "[dsync][attributes]") {
  for (const auto& f : formats()) {
    INFO(f);
    Store a(f), b(f);
    MailStorage& master = *a.storage;
    save(master, "INBOX", message("m1"));
    std::string state = sync_without_digests(master, *b.storage, "");
    REQUIRE(attrs(*b.storage, "INBOX").empty());
    // No mail changes: only the driver's attribute write moves the modseq.
    uint64_t before = master.open_mailbox("INBOX")->status().highest_modseq;
    set(master, "INBOX", "set after the state");
    REQUIRE(master.open_mailbox("INBOX")->status().highest_modseq == before + 1);
    state = sync_without_digests(master, *b.storage, state);
    CHECK(attrs(*b.storage, "INBOX") ==
          std::vector<std::string>{"/private/comment=set after the state"});
    // And a second change after that state, again with no mail change.
    set(master, "INBOX", "changed again");
    sync_without_digests(master, *b.storage, state);
    CHECK(attrs(*b.storage, "INBOX") == std::vector<std::string>{"/private/comment=changed again"});
  }
}

}  // namespace roost::test::dsync
