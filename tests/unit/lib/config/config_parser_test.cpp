#include "lib/config/config_parser.hpp"

#include <catch2/catch.hpp>

#include "lib/error.hpp"
#include "tests/unit/lib/config/memory_config_source.hpp"

using roost::Config;
using roost::test::MemoryConfigSource;

namespace {

Config parse(const std::string& text, MemoryConfigSource& src, const std::string& path = "/etc/t.conf") {
  src.files[path] = text;
  return roost::parse_config(text, path, src);
}

Config parse(const std::string& text) {
  MemoryConfigSource src;
  return parse(text, src);
}

std::string error_of(const std::string& text, MemoryConfigSource& src) {
  try {
    parse(text, src);
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitConfig);
    return e.what();
  }
  return "(no error)";
}

std::string error_of(const std::string& text) {
  MemoryConfigSource src;
  return error_of(text, src);
}

}  // namespace

TEST_CASE("config: key = value, comments, quotes, last wins", "[config]") {
  Config c = parse(
      "# comment\n"
      "mail_location = maildir:~/Maildir  \n"
      "  postmaster_address = a@b # trailing comment\n"
      "login_greeting = \"Hello # there\"\n"
      "mail_home = '/srv/%u'\n"
      "recipient_delimiter=-\n"
      "quoted = \"a\\\"b\" x\n"
      "mail_location = sdbox:~/sdbox\n");
  CHECK(c.get("mail_location") == "sdbox:~/sdbox");
  CHECK(c.get("postmaster_address") == "a@b");
  CHECK(c.get("login_greeting") == "Hello # there");
  CHECK(c.get("mail_home") == "/srv/%u");
  CHECK(c.get("recipient_delimiter") == "-");
  // Only a fully quoted value loses its quotes, as in Dovecot.
  CHECK(c.get("quoted") == "\"a\\\"b\" x");
  // Last one wins but keeps the first position.
  CHECK(c.root().settings[0].key == "mail_location");
  CHECK(c.root().find("mail_location")->line == 8);
}

TEST_CASE("config: defaults for known settings", "[config]") {
  Config c = parse("");
  CHECK(c.get("mail_location").empty());
  CHECK(c.get("first_valid_uid") == "500");
  CHECK(c.get("mail_fsync") == "optimized");
  CHECK(c.get_size("mdbox_rotate_size") == 10 * 1024 * 1024);
  CHECK(c.get_uint("first_valid_uid") == 500);
  CHECK_FALSE(c.get_set("mail_location").has_value());
  CHECK(c.get_bool("mailbox_list_index"));
  CHECK(c.get("no_such_setting").empty());
}

TEST_CASE("config: line continuation", "[config]") {
  Config c = parse("login_greeting = Hello \\\n   world\nmail_plugins = a \\\n b \\\n c\nx = 1\n");
  CHECK(c.get("login_greeting") == "Hello world");
  CHECK(c.get("mail_plugins") == "a b c");
  CHECK(c.get("x") == "1");
}

TEST_CASE("config: nested sections, merging named ones", "[config]") {
  Config c = parse(
      "namespace inbox {\n"
      "  inbox = yes\n"
      "  mailbox Sent {\n"
      "    special_use = \\Sent\n"
      "  }\n"
      "}\n"
      "passdb {\n  driver = pam\n}\n"
      "passdb {\n  driver = passwd-file\n}\n"
      "namespace inbox {\n"
      "  mailbox \"Sent Messages\" {\n"
      "    special_use = \\Sent\n"
      "  }\n"
      "  separator = /\n"
      "}\n");
  auto ns = c.sections("namespace");
  REQUIRE(ns.size() == 1);
  CHECK(ns[0]->name == "inbox");
  CHECK(ns[0]->get("inbox") == "yes");
  CHECK(ns[0]->get("separator") == "/");
  auto boxes = ns[0]->sections("mailbox");
  REQUIRE(boxes.size() == 2);
  CHECK(boxes[0]->get("special_use") == "\\Sent");
  CHECK(boxes[1]->name == "Sent Messages");
  auto passdbs = c.sections("passdb");
  REQUIRE(passdbs.size() == 2);
  CHECK(passdbs[0]->get("driver") == "pam");
  CHECK(passdbs[1]->get("driver") == "passwd-file");
}

TEST_CASE("config: $variables", "[config]") {
  MemoryConfigSource src;
  src.env["ROOST_TEST_VAR"] = "fromenv";
  Config c = parse(
      "mail_plugins = quota\n"
      "mail_plugins = $mail_plugins acl\n"
      "protocol imap {\n"
      "  mail_plugins = $mail_plugins imap_acl\n"
      "}\n"
      "protocols = $protocols imap\n"
      "a = $ENV:ROOST_TEST_VAR x\n"
      "b = 'literal $mail_plugins'\n"
      "c = a$mail_plugins\n",
      src);
  CHECK(c.get("mail_plugins") == "quota acl");
  CHECK(c.root().section("protocol", "imap")->get("mail_plugins") == "quota acl imap_acl");
  CHECK(c.get("protocols") == " imap");  // empty default, Dovecot keeps the space
  CHECK(c.get("a") == "fromenv x");
  CHECK(c.get("b") == "literal $mail_plugins");
  CHECK(c.get("c") == "a$mail_plugins");
  CHECK_THAT(error_of("x = $no_such_thing\n"),
             Catch::Contains("t.conf line 1") && Catch::Contains("Unknown variable: $no_such_thing"));
}

TEST_CASE("config: !include, !include_try and globs relative to the file", "[config]") {
  MemoryConfigSource src;
  src.files["/etc/d/conf.d/10-a.conf"] = "mail_plugins = a\n";
  src.files["/etc/d/conf.d/20-b.conf"] = "mail_plugins = $mail_plugins b\n!include sub/extra.ext\n";
  src.files["/etc/d/conf.d/sub/extra.ext"] = "namespace inbox {\n  inbox = yes\n}\n";
  Config c = parse(
      "!include conf.d/*.conf\n"
      "!include_try local.conf\n"
      "!include_try nodir/*.conf\n",
      src, "/etc/d/dovecot.conf");
  CHECK(c.get("mail_plugins") == "a b");
  REQUIRE(c.sections("namespace").size() == 1);
  CHECK(c.sections("namespace")[0]->file == "/etc/d/conf.d/sub/extra.ext");
  CHECK(c.root().find("mail_plugins")->file == "/etc/d/conf.d/20-b.conf");
}

TEST_CASE("config: key = <file", "[config]") {
  MemoryConfigSource src;
  src.files["/etc/private/cert.pem"] = "CERT\n";
  Config c = parse("ssl_cert = </etc/private/cert.pem\nssl_key = <missing.key\nssl_ca = <private/cert.pem\n", src,
                   "/etc/t.conf");
  CHECK(c.get("ssl_cert") == "CERT\n");
  CHECK(c.root().find("ssl_cert")->raw == "</etc/private/cert.pem");
  CHECK(c.get("ssl_ca") == "CERT\n");
  // Like doveconf, a missing file is only an error when the value is used.
  CHECK_THROWS_WITH(c.get("ssl_key"), Catch::Contains("/etc/missing.key"));
}

TEST_CASE("config: syntax errors name file:line", "[config]") {
  CHECK_THAT(error_of("namespace x {\n  prefix = a/\n"),
             Catch::Contains("Missing '}'") && Catch::Contains("/etc/t.conf:1"));
  CHECK_THAT(error_of("a = 1\n}\n"),
             Catch::Contains("/etc/t.conf line 2") && Catch::Contains("Unexpected '}'"));
  CHECK_THAT(error_of("a = 1\nmail_location\n"),
             Catch::Contains("line 2") && Catch::Contains("Expecting"));
  CHECK_THAT(error_of("protocol imap{\n}\n"), Catch::Contains("line 1") && Catch::Contains("Expecting '{'"));
  CHECK_THAT(error_of("protocol imap { x\n}\n"), Catch::Contains("Garbage after '{'"));
  CHECK_THAT(error_of("a = 1\n!include nonexist.conf\n"),
             Catch::Contains("/etc/t.conf line 2") && Catch::Contains("/etc/nonexist.conf"));
  CHECK_THAT(error_of("!include conf.d/*.conf\n"), Catch::Contains("No matches"));
  MemoryConfigSource src;
  src.files["/etc/sub.conf"] = "x = 1\nnamespace a {\n";
  CHECK_THAT(error_of("!include sub.conf\n}\n", src),
             Catch::Contains("Missing '}'") && Catch::Contains("/etc/sub.conf:2"));
  MemoryConfigSource loop;
  loop.files["/etc/loop.conf"] = "!include loop.conf\n";
  CHECK_THAT(error_of("!include loop.conf\n", loop), Catch::Contains("Recursive include"));
}

TEST_CASE("config: -o overrides", "[config]") {
  Config c = parse("mail_location = maildir:~/Maildir\nnamespace inbox {\n  prefix = INBOX.\n}\n");
  c.apply_overrides({"mail_location=sdbox:~/sdbox", "mail_plugins = quota",
                     "namespace/inbox/prefix=INBOX/", "namespace/shared/type=shared",
                     "plugin/quota=count:User quota"});
  CHECK(c.get("mail_location") == "sdbox:~/sdbox");
  CHECK(c.get("mail_plugins") == "quota");
  CHECK(c.root().section("namespace", "inbox")->get("prefix") == "INBOX/");
  CHECK(c.root().section("namespace", "shared")->get("type") == "shared");
  CHECK(c.root().section("plugin", "")->get("quota") == "count:User quota");
  try {
    c.apply_overrides({"novalue"});
    FAIL("expected an error");
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitUsage);
  }
}

TEST_CASE("config: unused settings are kept and listed", "[config]") {
  Config c = parse(
      "mail_location = maildir:~/Maildir\n"
      "ssl_dh = <x\n"
      "service imap-login {\n  inet_listener imap {\n    port = 143\n  }\n}\n"
      "namespace inbox {\n  inbox = yes\n  frobnicate = 1\n}\n"
      "plugin {\n  sieve = file:~/sieve\n  zlib_save = gz\n}\n");
  auto unused = c.unused_settings();
  CHECK(std::find(unused.begin(), unused.end(), "ssl_dh") != unused.end());
  CHECK(std::find(unused.begin(), unused.end(), "service imap-login") != unused.end());
  CHECK(std::find(unused.begin(), unused.end(), "namespace/inbox/frobnicate") != unused.end());
  // Roost reads the zlib plugin's keys of plugin { }; the rest is listed.
  CHECK(std::find(unused.begin(), unused.end(), "plugin/sieve") != unused.end());
  CHECK(std::find(unused.begin(), unused.end(), "plugin/zlib_save") == unused.end());
  CHECK(std::find(unused.begin(), unused.end(), "mail_location") == unused.end());
  CHECK(std::find(unused.begin(), unused.end(), "namespace/inbox/inbox") == unused.end());
  // Kept as is for printing.
  CHECK(c.root().section("service", "imap-login")->section("inet_listener", "imap")->get("port") ==
        "143");
}
