// The progress events a master brain reports: mailboxes of the tree, each
// mailbox's planned copies, each copied mail, in both directions.
#include <catch2/catch.hpp>

#include <memory>

#include "dsync/dsync_local.hpp"
#include "dsync/dsync_progress.hpp"
#include "tests/unit/dsync/dsync_test_util.hpp"

namespace roost::test::dsync {
namespace {

struct Recorder : roost::dsync::ProgressObserver {
  size_t trees = 0, mailboxes = 0, begun = 0, planned = 0, copied = 0, ended = 0;
  uint64_t planned_bytes = 0, bytes = 0;
  void tree_planned(size_t n) override {
    ++trees;
    mailboxes += n;
  }
  void mailbox_begin(const std::string&, size_t saves, uint64_t b) override {
    ++begun;
    planned += saves;
    planned_bytes += b;
  }
  void mail_copied(uint64_t b) override {
    ++copied;
    bytes += b;
  }
  void mailbox_end(const std::string&) override { ++ended; }
};

}  // namespace

TEST_CASE("dsync: the master reports progress of what it sends and saves", "[dsync]") {
  for (const auto& f : formats()) {
    INFO(f);
    Store a(f), b("maildir");
    std::string m1 = message("p1"), m2 = message("p2", "a longer body for the second mail");
    save(*a.storage, "INBOX", m1);
    save(*a.storage, "Work", m2);
    save(*b.storage, "Lists", message("p3"));
    auto rec = std::make_shared<Recorder>();
    roost::dsync::BrainSettings s;
    s.progress = rec;
    roost::dsync::run_local_sync(*a.storage, *b.storage, s);
    // Two-way: the master sends p1, p2 and saves p3 (INBOX exists on both).
    CHECK(rec->trees == 1);
    CHECK(rec->mailboxes == 3);
    CHECK(rec->ended == 3);
    CHECK(rec->planned == 3);
    CHECK(rec->copied == 3);
    CHECK(rec->bytes >= m1.size() + m2.size());
    // The sizes of what it sends are known before they travel.
    CHECK(rec->planned_bytes > 0);
    // Settled (mbox's UIDs converge on another pass), nothing is left:
    // mailboxes still end, nothing is copied.
    s.progress = nullptr;
    roost::dsync::sync_until_settled(*a.storage, *b.storage, s);
    auto again = std::make_shared<Recorder>();
    s.progress = again;
    auto r = roost::dsync::run_local_sync(*a.storage, *b.storage, s);
    CHECK_FALSE(r.another_pass);
    CHECK(again->ended == 3);
    CHECK(again->copied == 0);
    CHECK(again->planned == 0);
  }
}

}  // namespace roost::test::dsync
