#include "formats/location/mail_location.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "lib/error.hpp"

using roost::MailLocation;
using roost::parse_mail_location;
using roost::VarExpander;

TEST_CASE("mail_location: format, root, ~ and variables", "[location]") {
  VarExpander v = VarExpander::for_user("bob@example.com", "/home/bob");
  MailLocation l = parse_mail_location("maildir:~/Maildir", v);
  CHECK(l.format == "maildir");
  CHECK(l.root == "/home/bob/Maildir");
  CHECK(roost::default_separator(l) == '.');

  l = parse_mail_location("mdbox:%h/mdbox:ALT=/alt/%d/%n/mdbox", v);
  CHECK(l.format == "mdbox");
  CHECK(l.root == "/home/bob/mdbox");
  CHECK(l.alt == "/alt/example.com/bob/mdbox");
  CHECK(roost::default_separator(l) == '/');

  l = parse_mail_location("sdbox:~", v);
  CHECK(l.root == "/home/bob");

  l = parse_mail_location("mbox:~/mail:INBOX=/var/mail/%n", v);
  CHECK(l.format == "mbox");
  CHECK(l.inbox == "/var/mail/bob");
}

TEST_CASE("mail_location: options", "[location]") {
  VarExpander v = VarExpander::for_user("u", "/h");
  MailLocation l = parse_mail_location(
      "maildir:~/Maildir/:INDEX=/var/idx/%u:CONTROL=~/control:LAYOUT=fs:SUBSCRIPTIONS=subs:UTF8:"
      "INDEXPVT=~/pvt:VOLATILEDIR=/tmp/%u:NO-NOSELECT:DIRNAME=dbox-Mails:FOO=bar",
      v);
  CHECK(l.root == "/h/Maildir");
  CHECK(l.index == "/var/idx/u");
  CHECK(l.control == "/h/control");
  CHECK(l.layout == "fs");
  CHECK(l.subscriptions == "subs");
  CHECK(l.utf8);
  CHECK(l.extra.at("INDEXPVT") == "/h/pvt");
  CHECK(l.extra.at("VOLATILEDIR") == "/tmp/u");
  CHECK(l.extra.count("NO-NOSELECT") == 1);
  CHECK(l.extra.at("DIRNAME") == "dbox-Mails");
  CHECK(l.extra.at("FOO") == "bar");
  CHECK(roost::default_separator(l) == '/');

  l = parse_mail_location("maildir:~/Maildir:INDEX=MEMORY:FULLDIRNAME=mbox", v);
  CHECK(l.index == "MEMORY");
  CHECK(l.full_dirname);
}

TEST_CASE("mail_location: escaped colons and round trip", "[location]") {
  VarExpander v = VarExpander::for_user("u", "/h");
  MailLocation l = parse_mail_location("maildir:/srv/a::b/Maildir:INDEX=/i::x", v);
  CHECK(l.root == "/srv/a:b/Maildir");
  CHECK(l.index == "/i:x");
  CHECK(l.to_string() == "maildir:/srv/a::b/Maildir:INDEX=/i::x");

  std::string spec = "mdbox:/m:INDEX=/i:CONTROL=/c:ALT=/a:LAYOUT=fs:UTF8:NO-NOSELECT";
  MailLocation l2 = parse_mail_location(spec, v);
  MailLocation l3 = parse_mail_location(l2.to_string(), v);
  CHECK(l3.to_string() == l2.to_string());
  CHECK(l3.alt == "/a");
  CHECK(l3.extra.count("NO-NOSELECT") == 1);
}

TEST_CASE("mail_location: shared namespace %% survives one expansion", "[location]") {
  VarExpander v = VarExpander::for_user("me", "/home/me");
  MailLocation l =
      parse_mail_location("maildir:%%h/Maildir:INDEX=~/shared/%%u:CONTROL=~/shared/%%u", v);
  CHECK(l.root == "%h/Maildir");
  CHECK(l.index == "/home/me/shared/%u");
  VarExpander other = VarExpander::for_user("other", "/home/other");
  CHECK(other.expand(l.root) == "/home/other/Maildir");
}

TEST_CASE("mail_location: auto, formatless and errors", "[location]") {
  VarExpander v = VarExpander::for_user("u", "/h");
  CHECK(parse_mail_location("auto:", v).format == "auto");
  // auto:<path>: the store at that path decides the format (Roost extension).
  auto with_path = parse_mail_location("auto:~/x:INDEX=/i", v);
  CHECK(with_path.format == "auto");
  CHECK(with_path.root == "/h/x");
  CHECK(with_path.index == "/i");
  MailLocation bare = parse_mail_location("/var/mail/%u", v);
  CHECK(bare.format.empty());
  CHECK(bare.root == "/var/mail/u");
  CHECK(parse_mail_location("", v).format.empty());
  VarExpander homeless = VarExpander::for_user("u");
  try {
    parse_mail_location("maildir:~/Maildir", homeless);
    FAIL("expected an error");
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitConfig);
    CHECK_THAT(e.what(), Catch::Contains("home"));
  }
  CHECK_THROWS_AS(parse_mail_location("maildir:/x/%q", v), roost::Error);
}

TEST_CASE("mail_location: autodetection order", "[location]") {
  std::set<std::string> dirs, files;
  auto is_dir = [&](const std::string& p) { return dirs.count(p) > 0; };
  auto exists = [&](const std::string& p) { return dirs.count(p) > 0 || files.count(p) > 0; };
  CHECK_FALSE(roost::autodetect_mail_location("/h", is_dir, exists).has_value());
  dirs = {"/h/mail"};
  files = {"/h/mail/inbox"};
  CHECK(roost::autodetect_mail_location("/h/", is_dir, exists)->to_string() == "mbox:/h/mail");
  dirs.insert("/h/Maildir/cur");
  CHECK(roost::autodetect_mail_location("/h", is_dir, exists)->to_string() == "maildir:/h/Maildir");
  dirs.insert("/h/sdbox/mailboxes");
  CHECK(roost::autodetect_mail_location("/h", is_dir, exists)->format == "sdbox");
  dirs.insert("/h/mdbox/storage");
  CHECK(roost::autodetect_mail_location("/h", is_dir, exists)->format == "mdbox");
}
