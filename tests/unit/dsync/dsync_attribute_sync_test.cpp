// Mailbox attributes through both brains: every pair of formats, in-process
// and over the byte stream; two-way with deletes, backup, and an
// attribute-only change after a state string.
#include <catch2/catch.hpp>

#include "dsync/dsync_state.hpp"
#include "tests/unit/dsync/dsync_test_util.hpp"

namespace roost::test::dsync {
namespace {

using roost::dsync::ChannelKind;
using roost::dsync::Direction;

void set(MailStorage& s, const std::string& box, const std::string& name, const std::string& value,
         int64_t when) {
  auto [type, key] = parse_attribute_name(name);
  MailboxAttribute a;
  a.type = type;
  a.key = key;
  a.value = value;
  a.last_change = when;
  s.open_mailbox(box)->set_attribute(a);
}

void unset(MailStorage& s, const std::string& box, const std::string& name, int64_t when) {
  auto [type, key] = parse_attribute_name(name);
  MailboxAttribute a;
  a.type = type;
  a.key = key;
  a.deleted = true;
  a.last_change = when;
  s.open_mailbox(box)->set_attribute(a);
}

// "name=value" of the live attributes.
std::vector<std::string> attrs(MailStorage& s, const std::string& box) {
  std::vector<std::string> out;
  for (const auto& a : s.open_mailbox(box)->attributes())
    out.push_back(attribute_name(a.type, a.key) + "=" + a.value);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("dsync attributes: two-way sync carries sets and deletes", "[dsync][attributes]") {
  for (const auto& fa : formats())
    for (const auto& fb : formats())
      for (auto kind : {ChannelKind::kInProcess, ChannelKind::kByteStream}) {
        INFO(fa << "->" << fb << (kind == ChannelKind::kInProcess ? " in-process" : " stream"));
        Store a(fa), b(fb);
        save(*a.storage, "INBOX", message("m1"));
        a.storage->create_mailbox("Work");
        set(*a.storage, "INBOX", "/private/comment", "inbox note", 1000);
        set(*a.storage, "Work", "/shared/vendor/x", "multi\nline\tvalue", 1000);
        set(*a.storage, "Work", "/private/specialuse", "\\Archive", 1000);
        sync(*a.storage, *b.storage, {}, kind);
        CHECK(attrs(*b.storage, "INBOX") == V{"/private/comment=inbox note"});
        CHECK(attrs(*b.storage, "Work") ==
              V{"/private/specialuse=\\Archive", "/shared/vendor/x=multi\nline\tvalue"});

        // a deletes one, b changes another later: both travel.
        unset(*a.storage, "Work", "/shared/vendor/x", 2000);
        set(*b.storage, "INBOX", "/private/comment", "changed on b", 2000);
        set(*b.storage, "Work", "/private/specialuse", "\\Trash", 500);  // older: loses
        sync(*a.storage, *b.storage, {}, kind);
        for (MailStorage* s : {a.storage.get(), b.storage.get()}) {
          CHECK(attrs(*s, "INBOX") == V{"/private/comment=changed on b"});
          CHECK(attrs(*s, "Work") == V{"/private/specialuse=\\Archive"});
        }
        // Settled: nothing more to do.
        auto r = sync(*a.storage, *b.storage, {}, kind);
        CHECK(!r.plan.contains("attributes"));
      }
}

TEST_CASE("dsync attributes: a mailbox adopting the peer's GUID keeps its attributes",
          "[dsync][attributes]") {
  for (const auto& f : formats()) {
    INFO(f);
    Store a(f), b(f);
    // Two INBOXes created apart: one side adopts the other's GUID.
    set(*a.storage, "INBOX", "/private/from-a", "a", 1000);
    set(*b.storage, "INBOX", "/private/from-b", "b", 1000);
    REQUIRE(a.storage->open_mailbox("INBOX")->status().guid !=
            b.storage->open_mailbox("INBOX")->status().guid);
    sync(*a.storage, *b.storage);
    for (MailStorage* s : {a.storage.get(), b.storage.get()})
      CHECK(attrs(*s, "INBOX") == V{"/private/from-a=a", "/private/from-b=b"});
  }
}

TEST_CASE("dsync attributes: backup makes the destination's the source's", "[dsync][attributes]") {
  for (const auto& f : formats()) {
    INFO(f);
    Store a(f), b(f);
    save(*a.storage, "INBOX", message("m1"));
    set(*a.storage, "INBOX", "/private/comment", "from source", 1000);
    sync(*a.storage, *b.storage);
    set(*b.storage, "INBOX", "/private/comment", "newer on destination", 9000);
    set(*b.storage, "INBOX", "/shared/extra", "only on destination", 9000);
    Direction d;
    d.kind = Direction::Kind::kBackup;
    sync(*a.storage, *b.storage, d);
    CHECK(attrs(*b.storage, "INBOX") == V{"/private/comment=from source"});
    CHECK(attrs(*a.storage, "INBOX") == V{"/private/comment=from source"});
  }
}

TEST_CASE("dsync attributes: an attribute-only change syncs despite the state",
          "[dsync][attributes]") {
  for (const auto& f : formats()) {
    INFO(f);
    Store a(f), b(f);
    save(*a.storage, "INBOX", message("m1"));
    auto r = sync(*a.storage, *b.storage);
    std::string state = roost::dsync::export_state(r.new_state);
    set(*a.storage, "INBOX", "/private/comment", "after the state", 1000);
    r = sync(*a.storage, *b.storage, {}, ChannelKind::kByteStream, state);
    CHECK(attrs(*b.storage, "INBOX") == V{"/private/comment=after the state"});
    // And a delete after that state.
    state = roost::dsync::export_state(r.new_state);
    unset(*b.storage, "INBOX", "/private/comment", 2000);
    sync(*a.storage, *b.storage, {}, ChannelKind::kInProcess, state);
    CHECK(attrs(*a.storage, "INBOX").empty());
  }
}

}  // namespace roost::test::dsync
