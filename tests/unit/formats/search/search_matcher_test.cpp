#include "formats/search/search_matcher.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/formats/doveadm_sample_messages.hpp"
#include <sstream>

#include "formats/model/flags.hpp"
#include "lib/strutil.hpp"

using namespace roost;

namespace {

// Same messages as tests/unit/formats/mime (saved with the real doveadm into
// mailbox T3 as UIDs 1..12).
const auto& kMessages = roost::test::kDoveadmSampleMessages;

class FakeMail : public SearchableMail {
 public:
  FakeMail(uint32_t uid, std::string text) : text_(std::move(text)) {
    rec_.uid = uid;
    rec_.virtual_size = text_.size();
  }
  const MessageRecord& record() const override { return rec_; }
  uint32_t seq() const override { return rec_.uid; }
  std::unique_ptr<std::istream> open() const override {
    ++opens;
    return std::make_unique<std::istringstream>(text_);
  }
  MessageRecord rec_;
  std::string text_;
  mutable int opens = 0;
};

std::string search_uids(const std::vector<std::string>& words) {
  SearchMatcher matcher(parse_search_query(words, 1700000000));
  SearchContext ctx;
  ctx.mailbox_name = "T3";
  ctx.max_seq = ctx.max_uid = 12;
  std::string out;
  uint32_t uid = 0;
  for (const char* m : kMessages) {
    FakeMail mail(++uid, m);
    if (matcher.matches(mail, ctx)) {
      if (!out.empty()) out += ' ';
      out += std::to_string(uid);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("search matcher agrees with doveadm search", "[search]") {
  // Queries and the UIDs the real `doveadm search -u test mailbox T3 <query>`
  // returned (Dovecot 2.3.19).
  struct Row {
    std::vector<std::string> words;
    const char* uids;
  };
  const Row rows[] = {
    {{"subject", "hello"}, "1"},
    {{"subject", "w\xc3""\xb6""rld"}, "1"},
    {{"subject", "W\xc3""\x96""RLD"}, "1"},
    {{"subject", "multipart folded"}, "2"},
    {{"from", "alice"}, "1"},
    {{"from", "a@example.com"}, "1"},
    {{"from", "Alice <a"}, "1"},
    {{"to", "carol"}, "1"},
    {{"to", "Carol, C."}, "1"},
    {{"cc", "undisclosed"}, "1"},
    {{"from", "j\xc3""\xb6""rg"}, "5"},
    {{"body", "caf\xc3""\xa9"""}, "2"},
    {{"body", "CAF\xc3""\x89"""}, "2"},
    {{"body", "lait"}, "2"},
    {{"text", "inner"}, "2"},
    {{"body", "inner"}, "2"},
    {{"body", "AAECAwQ"}, ""},
    {{"text", "multipart"}, "2 4 6 9 11"},
    {{"header", "x", "y"}, "8"},
    {{"header", "x", ""}, "8"},
    {{"header", "content-type", "multipart"}, "2 4 6 9 11"},
    {{"subject", ""}, "1 2 3 5 7 8 10"},
    {{"body", ""}, "1 2 3 4 5 6 7 8 9 10 11 12"},
    {{"from", "MISSING_DOMAIN"}, "7 8"},
    {{"to", "alice a"}, "7"},
    {{"to", "y <g@h>"}, "7"},
    {{"bcc", "x"}, "7"},
    {{"body", "laitsoft"}, "2"},
    {{"text", "Hello w\xc3""\xb6"""}, "1"},
    {{"body", "\xc3""\xa9""t\xc3""\xa9"""}, "12"},
    {{"sentbefore", "2023-01-01"}, "2 3 4 5 6 7 8 9 10 11 12"},
    {{"senton", "3-Apr-2023"}, "1"},
    {{"sentsince", "2-Nov-2022"}, "1"},
    {{"senton", "1-Nov-2022"}, "5"},
    {{"body", "second line"}, "1"},
    {{"body", "here second"}, ""},
    {{"NOT", "body", "lait"}, "1 3 4 5 6 7 8 9 10 11 12"},
    {{"subject", "hello", "OR", "body", "\xc3""\xa9""t\xc3""\xa9"""}, "1 12"},  // doveadm was run with "mailbox T3" prepended, which joins the OR
    {{"(", "from", "alice", "OR", "to", "carol", ")", "NOT", "seen"}, "1"},
    {{"header", "subject", "  folded"}, "2"},
    {{"text", "no boundary param"}, ""},
    {{"body", "plain in digest"}, "9"},
    {{"body", "digest item"}, ""},
    {{"text", "digest item"}, "9"},
  };
  for (const auto& row : rows) {
    INFO("query: " << join(row.words, " "));
    CHECK(search_uids(row.words) == row.uids);
  }
}

TEST_CASE("search matcher: index-only keys never open the message", "[search]") {
  FakeMail mail(3, kMessages[0]);
  mail.rec_.flags.system = kFlagSeen;
  mail.rec_.received_date = 1680508800;  // 2023-04-03 08:00 UTC
  SearchContext ctx;
  ctx.mailbox_name = "INBOX";
  ctx.max_seq = ctx.max_uid = 10;
  auto run = [&](const std::string& q) {
    return SearchMatcher(parse_search_query(split_ws(q), 1700000000)).matches(mail, ctx);
  };
  CHECK(run("seen uid 3 3 larger 100 smaller 1k"));
  CHECK_FALSE(run("unseen"));
  CHECK(run("since 1680000000 before 1690000000"));
  CHECK_FALSE(run("uid 4:*"));
  CHECK(run("uid 3:*"));
  CHECK(mail.opens == 0);
  // AND short-circuits before touching the message.
  CHECK_FALSE(run("unseen subject hello"));
  CHECK(mail.opens == 0);
  CHECK(run("subject hello"));
  CHECK(mail.opens == 1);
  CHECK(run("subject hello body second"));
  CHECK(mail.opens == 2);
}

TEST_CASE("search matcher: mailbox pre-filter", "[search]") {
  auto matcher = [](const std::string& q) {
    return SearchMatcher(parse_search_query(split_ws(q), 0));
  };
  CHECK(matcher("mailbox INBOX seen").may_match_mailbox("INBOX", ""));
  CHECK(matcher("mailbox inbox").may_match_mailbox("INBOX", ""));
  CHECK_FALSE(matcher("mailbox INBOX seen").may_match_mailbox("Sent", ""));
  CHECK(matcher("mailbox INBOX/project-*").may_match_mailbox("INBOX/project-x/sub", ""));
  CHECK_FALSE(matcher("mailbox INBOX/project-%").may_match_mailbox("INBOX/project-x/sub", ""));
  CHECK(matcher("mailbox INBOX/project-%").may_match_mailbox("INBOX/project-x", ""));
  CHECK_FALSE(matcher("mailbox-guid 0123").may_match_mailbox("INBOX", "4567"));
  CHECK(matcher("mailbox-guid 0123").may_match_mailbox("INBOX", "0123"));
  CHECK(matcher("seen OR mailbox Sent").may_match_mailbox("INBOX", ""));
  CHECK_FALSE(matcher("NOT mailbox Trash").may_match_mailbox("Trash", ""));
  CHECK(matcher("subject x").needs_header());
  CHECK_FALSE(matcher("subject x").needs_body());
  CHECK(matcher("body x").needs_body());
  CHECK_FALSE(matcher("seen").needs_header());
}
