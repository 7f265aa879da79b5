#include "cli/mail_query.hpp"

#include <ctime>

#include "formats/search/search_matcher.hpp"
#include "formats/search/search_query.hpp"
#include "lib/error.hpp"

namespace roost::cli {

namespace {

class MailboxMail : public SearchableMail {
 public:
  MailboxMail(Mailbox& box, const MessageRecord& rec, uint32_t seq)
      : box_(box), rec_(rec), seq_(seq) {}
  const MessageRecord& record() const override { return rec_; }
  uint32_t seq() const override { return seq_; }
  std::unique_ptr<std::istream> open() const override { return box_.open_message(rec_.uid); }
  std::string header_text() const override { return box_.read_header(rec_.uid); }

 private:
  Mailbox& box_;
  const MessageRecord& rec_;
  uint32_t seq_;
};

// True when every branch of the key tree restricts the mailbox.
bool restricts_mailbox(const SearchKey& key) {
  switch (key.type) {
    case SearchKeyType::kMailbox:
    case SearchKeyType::kMailboxGlob:
    case SearchKeyType::kMailboxGuid:
      return !key.negated;
    case SearchKeyType::kSub:
      if (key.negated) return false;
      for (const auto& c : key.children)
        if (restricts_mailbox(c)) return true;
      return false;
    case SearchKeyType::kOr:
      if (key.negated || key.children.empty()) return false;
      for (const auto& c : key.children)
        if (!restricts_mailbox(c)) return false;
      return true;
    default:
      return false;
  }
}

}  // namespace

MailQuery::MailQuery(const std::vector<std::string>& words) {
  if (words.empty()) throw Error(kExitUsage, "no search query given (use `all` to match every message)");
  try {
    matcher_ = std::make_unique<SearchMatcher>(
        parse_search_query(words, static_cast<int64_t>(std::time(nullptr))));
  } catch (const Error& e) {
    // doveadm ends a bad query with 75 (tempfail), which makes retry loops
    // spin forever; a bad query is a usage error and says so.
    throw Error(kExitUsage, std::string("invalid search query: ") + e.what());
  }
}

MailQuery::~MailQuery() = default;
MailQuery::MailQuery(MailQuery&&) noexcept = default;

bool MailQuery::names_mailbox_everywhere() const {
  return restricts_mailbox(matcher_->query().root);
}

void MailQuery::for_each_mailbox(MailUser& user, const MailboxMatches& fn) const {
  char sep = user.separator();
  for (const auto& info : user.list_mailboxes()) {
    if (!info.selectable) continue;
    // The GUID is only needed when the query names one; don't open every
    // mailbox just to learn it.
    if (!matcher_->may_match_mailbox(info.name, "", sep)) continue;
    auto box = user.open_mailbox(info.name);
    MailboxStatus st = box->status();
    std::string guid = st.guid.hex();
    if (!matcher_->may_match_mailbox(info.name, guid, sep)) continue;
    const auto& msgs = box->messages();
    SearchContext sctx;
    sctx.mailbox_name = info.name;
    sctx.mailbox_guid = guid;
    sctx.hierarchy_separator = sep;
    sctx.max_seq = static_cast<uint32_t>(msgs.size());
    sctx.max_uid = msgs.empty() ? 0 : msgs.back().uid;
    std::vector<const MessageRecord*> matches;
    for (size_t i = 0; i < msgs.size(); ++i) {
      MailboxMail mail(*box, msgs[i], static_cast<uint32_t>(i + 1));
      bool ok;
      try {
        ok = matcher_->matches(mail, sctx);
      } catch (const Error& e) {
        // A message file vanished under us (another process expunged it):
        // it no longer exists, so it doesn't match.
        if (e.exit_code() == kExitNotFound || e.exit_code() == kExitNoInput) continue;
        throw;
      }
      if (ok)
        matches.push_back(&msgs[i]);
      else if (matcher_->stop_on_nonmatch())
        break;
    }
    if (!matches.empty()) fn(info.name, guid, *box, matches);
  }
}

void MailQuery::for_each(MailUser& user, const std::function<void(const MatchedMail&)>& fn) const {
  for_each_mailbox(user, [&](const std::string& name, const std::string& guid, Mailbox& box,
                             const std::vector<const MessageRecord*>& matches) {
    const auto& msgs = box.messages();
    for (const auto* rec : matches) {
      auto seq = static_cast<uint32_t>(rec - msgs.data() + 1);
      fn(MatchedMail{name, guid, box, *rec, seq});
    }
  });
}

}  // namespace roost::cli
