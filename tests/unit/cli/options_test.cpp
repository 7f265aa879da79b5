#include <catch2/catch.hpp>

#include "cli/mail_user.hpp"
#include "cli/options.hpp"
#include "lib/error.hpp"

using namespace roost;
using namespace roost::cli;

TEST_CASE("options parse doveadm-style", "[cli][options]") {
  OptionParser p("u:AF:t", "test");
  std::vector<std::string> args = {"-u", "alice", "-At", "-Fusers.txt", "all", "-x"};
  size_t pos = 0;
  auto opts = p.parse(args, pos);
  REQUIRE(opts.size() == 4);
  CHECK(opts[0].letter == 'u');
  CHECK(opts[0].value == "alice");
  CHECK(opts[1].letter == 'A');
  CHECK(opts[2].letter == 't');
  CHECK(opts[3].value == "users.txt");
  CHECK(pos == 4);  // stops at the first positional, "-x" is a query word
}

TEST_CASE("option errors are usage errors", "[cli][options]") {
  OptionParser p("u:", "fetch");
  size_t pos = 0;
  std::vector<std::string> unknown = {"-z"};
  try {
    p.parse(unknown, pos);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitUsage);
    CHECK(std::string(e.what()).find("-z") != std::string::npos);
  }
  pos = 0;
  std::vector<std::string> missing = {"-u"};
  CHECK_THROWS_AS(p.parse(missing, pos), Error);
  pos = 0;
  std::vector<std::string> dashdash = {"--", "-u"};
  CHECK(p.parse(dashdash, pos).empty());
  CHECK(pos == 1);
}

TEST_CASE("mailbox patterns follow IMAP LIST rules", "[cli][mailbox]") {
  CHECK(mailbox_pattern_match("*", "Sub/Child", '/'));
  CHECK(mailbox_pattern_match("%", "Sub", '/'));
  CHECK_FALSE(mailbox_pattern_match("%", "Sub/Child", '/'));
  CHECK(mailbox_pattern_match("Sub/%", "Sub/Child", '/'));
  CHECK(mailbox_pattern_match("inbox", "INBOX", '/'));
  CHECK(mailbox_pattern_match("INBOX/*", "inbox/x", '/'));
  CHECK_FALSE(mailbox_pattern_match("inboxes", "INBOXES", '/'));
  CHECK(mailbox_pattern_match("*project*", "Work/project-x", '/'));
}
