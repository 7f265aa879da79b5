#include "formats/location/namespace_settings.hpp"

#include <catch2/catch.hpp>

#include "lib/config/config_loader.hpp"
#include "lib/error.hpp"
#include "tests/unit/lib/config/memory_config_source.hpp"

using roost::NamespaceSettings;

namespace {

roost::Config parse(const std::string& text) {
  roost::test::MemoryConfigSource src;
  return roost::parse_config(text, "/etc/t.conf", src);
}

std::string error_of(const std::string& text) {
  try {
    roost::load_namespaces(parse(text));
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitConfig);
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("namespaces: implicit default", "[location]") {
  auto ns = roost::load_namespaces(parse("mail_location = maildir:~/Maildir\n"));
  REQUIRE(ns.size() == 1);
  CHECK(ns[0].implicit);
  CHECK(ns[0].inbox);
  CHECK(ns[0].prefix.empty());
  CHECK(ns[0].separator == 0);
  CHECK(ns[0].type == roost::NamespaceType::kPrivate);
}

TEST_CASE("namespaces: Debian-style fixture", "[location]") {
  roost::Config c = roost::load_config_file(std::string(ROOST_SOURCE_DIR) +
                                            "/fixtures/config/debian/dovecot.conf");
  auto ns = roost::load_namespaces(c);
  REQUIRE(ns.size() == 1);
  CHECK(ns[0].name == "inbox");
  CHECK(ns[0].inbox);
  CHECK(ns[0].separator == '/');
  REQUIRE(ns[0].mailboxes.size() == 5);
  CHECK(ns[0].mailboxes[0].name == "Drafts");
  CHECK(ns[0].mailboxes[0].autocreate == roost::MailboxAutoCreate::kSubscribe);
  CHECK(ns[0].mailboxes[4].name == "Sent Messages");
  CHECK(ns[0].mailboxes[4].special_use == std::vector<std::string>{"\\Sent"});
}

TEST_CASE("namespaces: private + shared + public", "[location]") {
  auto ns = roost::load_namespaces(parse(
      "namespace inbox {\n  separator = /\n  prefix =\n  inbox = yes\n}\n"
      "namespace {\n  type = shared\n  separator = /\n  prefix = shared/%%u/\n"
      "  location = maildir:%%h/Maildir:INDEX=~/shared/%%u\n  list = children\n"
      "  subscriptions = no\n}\n"
      "namespace pub {\n  type = public\n  separator = /\n  prefix = Public/\n"
      "  location = maildir:/srv/public\n  hidden = yes\n  list = no\n  order = 3\n}\n"
      "namespace old {\n  disabled = yes\n  prefix = x\n}\n"));
  REQUIRE(ns.size() == 3);
  CHECK(ns[1].type == roost::NamespaceType::kShared);
  CHECK(ns[1].prefix == "shared/%%u/");
  CHECK(ns[1].list == roost::NamespaceListing::kChildren);
  CHECK_FALSE(ns[1].subscriptions);
  CHECK(ns[1].location == "maildir:%%h/Maildir:INDEX=~/shared/%%u");
  CHECK(ns[2].type == roost::NamespaceType::kPublic);
  CHECK(ns[2].hidden);
  CHECK(ns[2].list == roost::NamespaceListing::kNo);
  CHECK(ns[2].order == 3);
  CHECK(std::string(roost::namespace_type_name(ns[2].type)) == "public");
}

TEST_CASE("namespaces: validation errors", "[location]") {
  CHECK_THAT(error_of("namespace a {\n  inbox = yes\n}\nnamespace b {\n  inbox = yes\n"
                      "  prefix = b/\n}\n"),
             Catch::Contains("only one namespace with inbox=yes"));
  CHECK_THAT(error_of("namespace a {\n  prefix = a/\n}\n"), Catch::Contains("inbox=yes namespace missing"));
  CHECK_THAT(error_of("namespace a {\n  inbox = yes\n  separator = /\n  prefix = INBOX.\n}\n"),
             Catch::Contains("end with separator /"));
  CHECK_THAT(error_of("namespace a {\n  inbox = yes\n}\nnamespace b {\n}\n"),
             Catch::Contains("duplicate namespace prefix"));
  CHECK_THAT(error_of("namespace a {\n  inbox = yes\n  separator = /\n}\nnamespace b {\n"
                      "  separator = .\n  prefix = b.\n}\n"),
             Catch::Contains("same separator"));
  CHECK_THAT(error_of("namespace a {\n  inbox = yes\n  type = bogus\n}\n"),
             Catch::Contains("type = bogus"));
  CHECK_THAT(error_of("namespace a {\n  inbox = maybe\n}\n"), Catch::Contains("t.conf:1"));
  CHECK_THAT(error_of("namespace a {\n  inbox = yes\n  mailbox X {\n    auto = always\n  }\n}\n"),
             Catch::Contains("auto = always"));
  CHECK_THAT(error_of("namespace a {\n  inbox = yes\n  mailbox X {\n    special_use = \\Foo\n  }\n}\n"),
             Catch::Contains("\\Foo"));
  // Hidden list=no namespaces may use any prefix form.
  CHECK(error_of("namespace a {\n  inbox = yes\n  separator = /\n}\nnamespace b {\n  separator = /\n"
                 "  prefix = ~/mail\n  list = no\n  hidden = yes\n}\n") == "(no error)");
}
