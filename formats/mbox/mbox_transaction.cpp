#include <iterator>
#include <sstream>

#include "formats/mbox/mbox_mailbox.hpp"
#include "formats/mbox/mbox_writer.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

// Collects saves, flag changes and expunges; commit() applies them all in
// one crash-safe append (saves only) or rewrite of the mbox file.
class MboxTransaction : public MailTransaction {
 public:
  explicit MboxTransaction(MboxMailbox* box) : box_(box) {}

  uint32_t save(std::istream& message, const SaveRequest& req) override {
    // Stored with LF line endings, as every format stores a save.
    std::string raw = crlf_to_lf(std::string((std::istreambuf_iterator<char>(message)),
                                             std::istreambuf_iterator<char>()));
    MboxPendingSave s;
    split_message_for_save(raw, s.header, s.body);
    s.flags = req.flags;
    s.received_date = req.received_date;
    s.save_date = req.save_date;
    s.want_uid = req.uid;
    changes_.saves.push_back(std::move(s));
    // Provisional: the UID is fixed under the write lock at commit.
    uint32_t next = box_->status().uidnext;
    return std::max(next, req.uid) + static_cast<uint32_t>(changes_.saves.size()) - 1;
  }
  void update_flags(uint32_t uid, FlagOp op, const MessageFlags& flags) override {
    changes_.flag_ops.push_back({uid, {op, flags}});
  }
  void expunge(uint32_t uid) override { changes_.expunges.push_back(uid); }
  void commit() override {
    if (changes_.saves.empty() && changes_.flag_ops.empty() && changes_.expunges.empty()) return;
    box_->rewrite(changes_);
    changes_ = MboxChanges{};
  }
  void rollback() override { changes_ = MboxChanges{}; }

 private:
  MboxMailbox* box_;
  MboxChanges changes_;
};

}  // namespace

std::unique_ptr<MailTransaction> MboxMailbox::begin() {
  return std::make_unique<MboxTransaction>(this);
}

}  // namespace roost
