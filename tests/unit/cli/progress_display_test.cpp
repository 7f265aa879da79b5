#include <catch2/catch.hpp>

#include <sstream>

#include "cli/progress_display.hpp"

namespace roost::cli {

TEST_CASE("progress: sizes and durations", "[cli][progress]") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(999) == "999 B");
  CHECK(format_bytes(1500) == "1.5 kB");
  CHECK(format_bytes(12'345'678) == "12.3 MB");
  CHECK(format_bytes(999'999) == "1.0 MB");
  CHECK(format_bytes(2'000'000'000) == "2.0 GB");
  CHECK(format_duration(0) == "0:00");
  CHECK(format_duration(42.4) == "0:42");
  CHECK(format_duration(725) == "12:05");
  CHECK(format_duration(3723) == "1:02:03");
}

TEST_CASE("progress: the line from events and a clock", "[cli][progress]") {
  ProgressLine l("backup");
  CHECK(l.render(0) == "backup: 0/0 mailboxes, 0 messages, 0 B, ETA --:--");
  l.tree_planned(4, 100.0);
  CHECK(l.render(100.0) == "backup: 0/4 mailboxes, 0 messages, 0 B, ETA --:--");
  // First mailbox: 2 mails of 1000 bytes, done in 2 s.
  l.mailbox_begin(2, 2000, 100.5);
  l.mail_copied(1000, 101.0);
  CHECK(l.render(101.0) ==
        "backup: 0/4 mailboxes, 1 message, 1.0 kB, 1.0 kB/s, ETA 0:07");  // 1/8 done in 1 s
  l.mail_copied(1000, 102.0);
  l.mailbox_end(102.0);
  CHECK(l.render(102.0) == "backup: 1/4 mailboxes, 2 messages, 2.0 kB, 1.0 kB/s, ETA 0:06");
  // A mailbox with nothing to copy still counts.
  l.mailbox_end(102.0);
  CHECK(l.render(104.0) == "backup: 2/4 mailboxes, 2 messages, 2.0 kB, 500 B/s, ETA 0:04");
  // A further pass counts its own mailboxes, the copied totals go on.
  l.tree_planned(1, 105.0);
  l.mailbox_begin(1, 0, 105.0);
  l.mail_copied(3000, 105.0);
  CHECK(l.render(105.0) == "backup: 0/1 mailboxes, 3 messages, 5.0 kB, 1.0 kB/s, ETA 0:00");
}

TEST_CASE("progress: one self-overwriting line, at most every 0.25 s, cleared", "[cli][progress]") {
  std::ostringstream out;
  double now = 10.0;
  {
    ProgressDisplay d(out, "sync", [&] { return now; });
    d.tree_planned(2);  // the first event draws at once
    CHECK(out.str() == "\rsync: 0/2 mailboxes, 0 messages, 0 B, ETA --:--");
    out.str("");
    d.mailbox_begin("INBOX", 10, 0);
    now += 0.1;
    d.mail_copied(100);
    CHECK(out.str().empty());  // too soon
    now += 0.2;
    d.mail_copied(100);  // 0.3 s after the last draw
    CHECK(out.str() == "\rsync: 0/2 mailboxes, 2 messages, 200 B, 666 B/s, ETA --:--");
    out.str("");
    // A shorter line blanks the rest of the longer one.
    now += 1.0;
    d.mailbox_end("INBOX");
    std::string text = out.str();
    REQUIRE(text.size() > 1);
    CHECK(text.front() == '\r');
    CHECK(text.find('\n') == std::string::npos);
    out.str("");
    // clear() erases the line: as many blanks as it was long.
    d.clear();
    std::string cleared = out.str();
    CHECK(cleared.front() == '\r');
    CHECK(cleared.back() == '\r');
    CHECK(cleared.find_first_not_of(" \r") == std::string::npos);
    out.str("");
    d.clear();  // nothing shown: nothing written
    CHECK(out.str().empty());
    now += 1.0;
    d.mail_copied(1);
    CHECK(!out.str().empty());
    out.str("");
  }
  // The destructor erased the last line; nothing is drawn after finish().
  std::string last = out.str();
  CHECK(!last.empty());
  CHECK(last.find_first_not_of(" \r") == std::string::npos);
}

TEST_CASE("progress: --progress and --no-progress", "[cli][progress]") {
  std::vector<std::string> args{"-u", "jane", "--progress", "maildir:/x"};
  CHECK(take_progress_option(args) == ProgressMode::kOn);
  CHECK(args == std::vector<std::string>{"-u", "jane", "maildir:/x"});
  args = {"--progress", "--no-progress", "-u", "jane"};
  CHECK(take_progress_option(args) == ProgressMode::kOff);
  CHECK(args == std::vector<std::string>{"-u", "jane"});
  // Empty arguments (-s "") stay; after "--" nothing is an option.
  args = {"-s", "", "-u", "jane", "--", "--progress"};
  CHECK(take_progress_option(args) == ProgressMode::kAuto);
  CHECK(args == std::vector<std::string>{"-s", "", "-u", "jane", "--", "--progress"});
  CHECK(progress_enabled(ProgressMode::kOn, -1));
  CHECK_FALSE(progress_enabled(ProgressMode::kOff, 0));
  CHECK_FALSE(progress_enabled(ProgressMode::kAuto, -1));  // not a terminal
}

}  // namespace roost::cli
