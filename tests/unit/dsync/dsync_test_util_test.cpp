// The helpers of the dsync tests (compiled into the test binary here: only
// *_test.cpp files are globbed) and a check that the counter counts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "formats/builtin_drivers.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/dsync/dsync_test_util.hpp"

namespace roost::test::dsync {

const std::vector<std::string>& formats() {
  static const std::vector<std::string> f = {"maildir", "mbox", "sdbox", "mdbox"};
  return f;
}

Store::Store(const std::string& fmt) : format(fmt) {
  register_builtin_storage_drivers();
  reopen();
}
void Store::reopen() {
  storage.reset();
  MailLocation loc;
  loc.format = format;
  loc.root = dir;
  if (format == "mbox") loc.inbox = dir + "/inbox";  // the test's own choice of layout
  StorageSettings s;
  s.fsync = false;
  storage = open_storage(loc, s);
}

std::string message(const std::string& id, const std::string& text) {
  return "From: a@example.com\nSubject: " + id + "\nMessage-ID: <" + id +
         "@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n" + text + "\n";
}

uint32_t save(MailStorage& s, const std::string& box, const std::string& body,
              const std::string& flags) {
  if (!s.mailbox_exists(box)) s.create_mailbox(box);
  auto mb = s.open_mailbox(box);
  auto tx = mb->begin();
  std::istringstream in(body);
  SaveRequest req;
  req.flags = parse_flag_list(flags);
  uint32_t uid = tx->save(in, req);
  tx->commit();
  return uid;
}

void set_flags(MailStorage& s, const std::string& box, uint32_t uid, const std::string& flags) {
  auto mb = s.open_mailbox(box);
  auto tx = mb->begin();
  tx->update_flags(uid, FlagOp::kReplace, parse_flag_list(flags));
  tx->commit();
}

void expunge(MailStorage& s, const std::string& box, uint32_t uid) {
  auto mb = s.open_mailbox(box);
  auto tx = mb->begin();
  tx->expunge(uid);
  tx->commit();
}

Snapshot snapshot(MailStorage& s, bool with_uids) {
  Snapshot out;
  for (const auto& info : s.list_mailboxes()) {
    if (!info.selectable) continue;
    auto mb = s.open_mailbox(info.name);
    auto& lines = out[info.name];
    for (const auto& r : mb->messages()) {
      std::string hdr = mb->read_header(r.uid);
      auto p = hdr.find("Subject: ");
      std::string subj =
          p == std::string::npos ? "?" : hdr.substr(p + 9, hdr.find('\n', p) - p - 9);
      MessageFlags f = r.flags;
      f.system &= kFlagsStorable;
      std::sort(f.keywords.begin(), f.keywords.end());
      lines.push_back((with_uids ? std::to_string(r.uid) + " " : "") + subj + " [" +
                      format_flags(f) + "]");
    }
    std::sort(lines.begin(), lines.end());
  }
  return out;
}

namespace {

class CountingMailbox : public Mailbox {
 public:
  CountingMailbox(std::unique_ptr<Mailbox> inner, OpenCounter& c) : in_(std::move(inner)), c_(c) {}
  const std::string& name() const override { return in_->name(); }
  MailboxStatus status() override { return in_->status(); }
  void sync() override { in_->sync(); }
  const std::vector<MessageRecord>& messages() override { return in_->messages(); }
  std::vector<MessageRecord> changed_since(uint64_t m) override { return in_->changed_since(m); }
  std::vector<ExpungeRecord> expunged_since(uint64_t m) override { return in_->expunged_since(m); }
  std::unique_ptr<std::istream> open_message(uint32_t uid) override {
    ++c_.opens;
    if (c_.on_open_message) c_.on_open_message(uid);
    return in_->open_message(uid);
  }
  std::string read_header(uint32_t uid) override {
    ++c_.opens;
    return in_->read_header(uid);
  }
  std::unique_ptr<MailTransaction> begin() override { return in_->begin(); }
  std::vector<std::string> keywords() override { return in_->keywords(); }
  void force_resync() override { in_->force_resync(); }
  bool update(const MailboxUpdate& u) override { return in_->update(u); }
  bool can_update() const override { return in_->can_update(); }
  bool can_save_guid() const override { return in_->can_save_guid(); }

 private:
  std::unique_ptr<Mailbox> in_;
  OpenCounter& c_;
};

class CountingStorage : public MailStorage {
 public:
  CountingStorage(MailStorage& inner, OpenCounter& c) : in_(inner), c_(c) {}
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
    return std::make_unique<CountingMailbox>(in_.open_mailbox(n), c_);
  }
  std::vector<DeletedMailbox> deleted_mailboxes() override { return in_.deleted_mailboxes(); }

 private:
  MailStorage& in_;
  OpenCounter& c_;
};

}  // namespace

std::unique_ptr<MailStorage> counting(MailStorage& inner, OpenCounter& counter) {
  return std::make_unique<CountingStorage>(inner, counter);
}

roost::dsync::BrainResult sync(MailStorage& a, MailStorage& b, roost::dsync::Direction dir,
                               roost::dsync::ChannelKind kind, const std::string& state,
                               char sync_type) {
  roost::dsync::BrainSettings s;
  s.direction = dir;
  s.sync_type = sync_type;
  if (std::getenv("ROOST_DSYNC_TEST_LOG"))
    s.log = [](const std::string& line) { std::cerr << "dsync: " << line << "\n"; };
  if (!state.empty()) {
    std::string err;
    auto st = roost::dsync::import_state(state, err);
    REQUIRE(st);
    s.state = *st;
    s.sync_type = 's';
  }
  return roost::dsync::sync_until_settled(a, b, s, kind);
}

TEST_CASE("dsync test helper counts message opens", "[dsync]") {
  Store st("maildir");
  save(*st.storage, "INBOX", message("one"));
  OpenCounter c;
  auto s = counting(*st.storage, c);
  auto box = s->open_mailbox("INBOX");
  box->open_message(box->messages().front().uid);
  CHECK(c.opens == 1);
}

}  // namespace roost::test::dsync
