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

// A mailbox whose attribute writes raise its HIGHESTMODSEQ by one (what the
// drivers do for an attribute write), everything else passed through.
class ModseqOnAttributeMailbox : public Mailbox {
 public:
  ModseqOnAttributeMailbox(std::unique_ptr<Mailbox> in, uint64_t& bumps)
      : in_(std::move(in)), bumps_(bumps) {}
  const std::string& name() const override { return in_->name(); }
  MailboxStatus status() override {
    MailboxStatus st = in_->status();
    st.highest_modseq += bumps_;
    return st;
  }
  void sync() override { in_->sync(); }
  const std::vector<MessageRecord>& messages() override { return in_->messages(); }
  std::vector<MessageRecord> changed_since(uint64_t m) override { return in_->changed_since(m); }
  std::vector<ExpungeRecord> expunged_since(uint64_t m) override { return in_->expunged_since(m); }
  std::unique_ptr<std::istream> open_message(uint32_t uid) override {
    return in_->open_message(uid);
  }
  std::string read_header(uint32_t uid) override { return in_->read_header(uid); }
  std::unique_ptr<MailTransaction> begin() override { return in_->begin(); }
  std::vector<std::string> keywords() override { return in_->keywords(); }
  void force_resync() override { in_->force_resync(); }
  bool update(const MailboxUpdate& u) override { return in_->update(u); }
  bool can_update() const override { return in_->can_update(); }
  bool can_save_guid() const override { return in_->can_save_guid(); }
  std::vector<MailboxAttribute> attributes(bool with_deleted) override {
    return in_->attributes(with_deleted);
  }
  std::optional<MailboxAttribute> attribute(AttributeType t, const std::string& k) override {
    return in_->attribute(t, k);
  }
  void set_attribute(const MailboxAttribute& a) override {
    in_->set_attribute(a);
    ++bumps_;
  }
  void mark_attributes_synced(const std::vector<MailboxAttribute>& agreed) override {
    in_->mark_attributes_synced(agreed);
  }
  bool supports_attributes() const override { return in_->supports_attributes(); }

 private:
  std::unique_ptr<Mailbox> in_;
  uint64_t& bumps_;
};

class ModseqOnAttributeStorage : public MailStorage {
 public:
  explicit ModseqOnAttributeStorage(MailStorage& in) : in_(in) {}
  uint64_t bumps = 0;
  const MailLocation& location() const override { return in_.location(); }
  char separator() const override { return in_.separator(); }
  std::vector<MailboxInfo> list_mailboxes() override { return in_.list_mailboxes(); }
  bool mailbox_exists(const std::string& n) override { return in_.mailbox_exists(n); }
  void create_mailbox(const std::string& n, const Guid128& g) override { in_.create_mailbox(n, g); }
  void delete_mailbox(const std::string& n) override { in_.delete_mailbox(n); }
  void rename_mailbox(const std::string& a, const std::string& b) override {
    in_.rename_mailbox(a, b);
  }
  std::vector<std::string> subscriptions() override { return in_.subscriptions(); }
  void set_subscribed(const std::string& n, bool on) override { in_.set_subscribed(n, on); }
  std::unique_ptr<Mailbox> open_mailbox(const std::string& n) override {
    return std::make_unique<ModseqOnAttributeMailbox>(in_.open_mailbox(n), bumps);
  }
  std::vector<DeletedMailbox> deleted_mailboxes() override { return in_.deleted_mailboxes(); }
  std::vector<MailboxListChange> mailbox_list_changes() override {
    return in_.mailbox_list_changes();
  }

 private:
  MailStorage& in_;
};

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
    ModseqOnAttributeStorage master(*a.storage);
    save(*a.storage, "INBOX", message("m1"));
    std::string state = sync_without_digests(master, *b.storage, "");
    REQUIRE(attrs(*b.storage, "INBOX").empty());
    // No mail changes: only the attribute write moved the master's modseq.
    set(master, "INBOX", "set after the state");
    REQUIRE(master.bumps == 1);
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
