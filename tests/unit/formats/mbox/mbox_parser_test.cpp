// The mbox parser, From_ lines and the metadata headers Roost writes.
#include <catch2/catch.hpp>

#include "formats/mbox/mbox_from.hpp"
#include "formats/mbox/mbox_parser.hpp"
#include "formats/mbox/mbox_writer.hpp"
#include "lib/error.hpp"

using namespace roost;

TEST_CASE("mbox From_ lines", "[mbox]") {
  CHECK(parse_from_line("From u1@vm  Sun Nov 22 22:12:29 2026").has_value());
  CHECK(parse_from_line("From a@b Thu Nov  9 22:33:52 2001").has_value());
  CHECK(parse_from_line("From a@b Thu, 29 Nov 2001 22:33:52 +0100").has_value());
  CHECK(parse_from_line("From a@b Thu Nov 29 22:33:52 +0000 2001").value() == 1007073232);
  CHECK_FALSE(parse_from_line("From the start of a line").has_value());
  CHECK_FALSE(parse_from_line("From here to Mon there").has_value());
  CHECK_FALSE(parse_from_line(">From a@b Thu Nov 29 22:33:52 2001").has_value());
  auto line = make_from_line("x@y", 1007073232);
  REQUIRE(parse_from_line(line).has_value());
  CHECK(*parse_from_line(line) == 1007073232);
  CHECK(line.find("x@y  ") == 5);
}

TEST_CASE("mbox body From lines split only on valid From_ lines", "[mbox]") {
  std::string data =
      "From a@b  Mon Jan 01 00:00:00 2024\nSubject: one\n\nbody\nFrom the start\n>From x\n\n"
      "From a@b  Mon Jan 01 00:00:01 2024\nSubject: two\n\nsecond\n\n";
  auto scan = parse_mbox(data);
  REQUIRE(scan.mails.size() == 2);
  const auto& m = scan.mails[0];
  CHECK(data.substr(m.body_offset, m.body_end - m.body_offset) ==
        "body\nFrom the start\n>From x\n");
  CHECK(m.clean_header == "Subject: one\n\n");
  const auto& m2 = scan.mails[1];
  CHECK(data.substr(m2.body_offset, m2.body_end - m2.body_offset) == "second\n");
  CHECK(scan.needs_rewrite);  // no X-UIDs
  CHECK(m.uid == 0);
}

TEST_CASE("mbox Content-Length protects a body From_ line", "[mbox]") {
  std::string body = "a\n\nFrom x@y  Mon Jan 01 00:00:00 2024\nstill body\n";
  std::string data =
      "From a@b  Mon Jan 01 00:00:00 2024\nX-IMAPbase: 5 0000000001\nX-UID: 1\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\n\n" + body + "\n";
  auto scan = parse_mbox(data);
  REQUIRE(scan.mails.size() == 1);
  CHECK(scan.mails[0].body_end - scan.mails[0].body_offset == body.size());
  CHECK(scan.uidvalidity == 5);
  CHECK(scan.mails[0].uid == 1);
  // A wrong Content-Length is ignored.
  std::string bad =
      "From a@b  Mon Jan 01 00:00:00 2024\nContent-Length: 3\n\nhello\n\n"
      "From a@b  Mon Jan 01 00:00:00 2024\n\nx\n";
  auto s2 = parse_mbox(bad);
  REQUIRE(s2.mails.size() == 2);
  CHECK(bad.substr(s2.mails[0].body_offset, s2.mails[0].body_end - s2.mails[0].body_offset) ==
        "hello\n");
}

TEST_CASE("mbox metadata headers", "[mbox]") {
  std::string data =
      "From a@b  Mon Jan 01 00:00:00 2024\nSubject: s\nX-IMAPbase: 77 0000000009 Junk $Label1\n"
      "X-UID: 3\nStatus: RO\nX-Status: AFTD\nX-Keywords: Junk   \nContent-Length: 2\n\nx\n\n"
      "From a@b  Mon Jan 01 00:00:00 2024\nX-UID: 2\n\ny\n";
  auto scan = parse_mbox(data);
  REQUIRE(scan.mails.size() == 2);
  CHECK(scan.uidvalidity == 77);
  CHECK(scan.uid_last == 9);
  CHECK(scan.keywords == std::vector<std::string>{"Junk", "$Label1"});
  const auto& m = scan.mails[0];
  CHECK(m.uid == 3);
  CHECK(m.old);
  CHECK(m.flags.system == (kFlagSeen | kFlagAnswered | kFlagFlagged | kFlagDraft | kFlagDeleted));
  CHECK(m.flags.keywords == std::vector<std::string>{"Junk"});
  CHECK(m.clean_header == "Subject: s\n\n");
  CHECK(scan.mails[1].uid == 0);  // not ascending: gets a new UID
  CHECK(scan.needs_rewrite);
}

TEST_CASE("mbox pseudo message is hidden", "[mbox]") {
  std::string data = render_mbox_pseudo(42, 7, {"todo"}, 1700000000) + "\n";
  auto scan = parse_mbox(data);
  CHECK(scan.mails.empty());
  CHECK(scan.has_pseudo);
  CHECK(scan.uidvalidity == 42);
  CHECK(scan.uid_last == 7);
  CHECK(scan.keywords == std::vector<std::string>{"todo"});
}

TEST_CASE("mbox not starting with From_ is corrupt", "[mbox]") {
  CHECK_THROWS_AS(parse_mbox("Subject: x\n\nbody\n"), Error);
  CHECK(parse_mbox("").mails.empty());
}

TEST_CASE("mbox metadata rendering matches Dovecot's layout", "[mbox]") {
  MboxMetadata meta;
  meta.first = true;
  meta.uidvalidity = 1795385549;
  meta.uid_last = 4;
  meta.keywords = {"$Label1", "todo"};
  meta.uid = 3;
  meta.flags.system = kFlagAnswered | kFlagDraft;
  meta.flags.keywords = {"$Label1"};
  meta.content_length = 72;
  std::string s = render_mbox_metadata(meta);
  CHECK(s.rfind("X-IMAPbase: 1795385549 0000000004 $Label1 todo\nX-UID: 3\nStatus: \nX-Keywords: "
                "$Label1 ",
                0) == 0);
  CHECK(s.find("Content-Length: 72\nX-Status: AT\n") != std::string::npos);
  std::string h, b;
  split_message_for_save("From x\nSubject: a\nX-UID: 9\nStatus: RO\n\nbody\n", h, b);
  CHECK(h == "Subject: a\n\n");
  CHECK(b == "body\n");
}
