// Attribute writes raise HIGHESTMODSEQ (Mailbox::raise_highest_modseq): the
// brain's own attribute imports must not read as changes by another program
// (exit 2), and the state after such a run makes the next one a no-op.
#include <catch2/catch.hpp>

#include <memory>
#include <mutex>

#include "dsync/dsync_state.hpp"
#include "tests/unit/dsync/dsync_test_util.hpp"

namespace roost::test::dsync {
namespace {

using roost::dsync::BrainSettings;
using roost::dsync::ChannelKind;

void set(MailStorage& s, const std::string& box, const std::string& key, const std::string& value) {
  MailboxAttribute a;
  a.key = key;
  a.value = value;
  s.open_mailbox(box)->set_attribute(a);
}

// One pass (no settling loop, so a mailbox flagged as changed stays in the
// result), with the log lines.
roost::dsync::BrainResult one_pass(MailStorage& a, MailStorage& b, std::vector<std::string>& log,
                                   const roost::dsync::StateMap* state = nullptr,
                                   ChannelKind kind = ChannelKind::kInProcess) {
  BrainSettings s;
  // Both brains of a local run log, each from its own thread.
  auto guard = std::make_shared<std::mutex>();
  s.log = [&log, guard](const std::string& line) {
    std::lock_guard<std::mutex> lock(*guard);
    log.push_back(line);
  };
  if (state) {
    s.state = *state;
    s.sync_type = 's';
  }
  return roost::dsync::run_local_sync(a, b, s, kind);
}

bool logged(const std::vector<std::string>& log, const std::string& text) {
  for (const auto& l : log)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("dsync attributes: imported attributes raise modseq without flagging a change",
          "[dsync][attributes]") {
  for (const auto& fa : formats())
    for (const auto& fb : formats())
      for (auto kind : {ChannelKind::kInProcess, ChannelKind::kByteStream}) {
        INFO(fa << "->" << fb << (kind == ChannelKind::kInProcess ? " in-process" : " stream"));
        Store a(fa), b(fb);
        save(*a.storage, "INBOX", message("m1"));
        auto r = sync(*a.storage, *b.storage, {}, kind);
        roost::dsync::StateMap state = r.new_state;
        uint64_t b_before = b.storage->open_mailbox("INBOX")->status().highest_modseq;

        // Attributes on both sides: each side stores the other's.
        set(*a.storage, "INBOX", "from-a", "1");
        set(*a.storage, "INBOX", "from-a-too", "2");
        set(*b.storage, "INBOX", "from-b", "3");
        std::vector<std::string> log;
        r = one_pass(*a.storage, *b.storage, log, &state, kind);
        CHECK(r.changed_mailboxes.empty());
        CHECK_FALSE(logged(log, "changed by another program"));
        // b stored two attributes after its own one: three modseqs up.
        CHECK(b.storage->open_mailbox("INBOX")->status().highest_modseq == b_before + 3);
        CHECK(b.storage->open_mailbox("INBOX")->attribute(AttributeType::kPrivate, "from-a"));

        // The state after that run: the next run finds nothing to do.
        log.clear();
        auto next = one_pass(*a.storage, *b.storage, log, &r.new_state, kind);
        CHECK(next.changed_mailboxes.empty());
        CHECK(logged(log, "mailbox INBOX: unchanged since the state"));
      }
}

}  // namespace roost::test::dsync
