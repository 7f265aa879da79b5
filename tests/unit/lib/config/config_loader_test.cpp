#include "lib/config/config_loader.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "lib/error.hpp"

namespace {
const std::string kFixture = std::string(ROOST_SOURCE_DIR) + "/fixtures/config/debian";
}

TEST_CASE("config loader: Debian-style tree with conf.d includes", "[config]") {
  roost::Config c = roost::load_config_file(kFixture + "/dovecot.conf", {"mail_fsync=never"});
  CHECK(c.get("mail_location") == "maildir:~/Maildir:LAYOUT=fs");
  CHECK(c.get("protocols") == " imap pop3");
  CHECK(c.get("auth_mechanisms") == "plain login");
  CHECK(c.get("mail_fsync") == "never");
  CHECK(c.get("ssl_cert").find("BEGIN CERTIFICATE") != std::string::npos);
  CHECK(c.get_uint("first_valid_uid") == 1000);
  auto ns = c.sections("namespace");
  REQUIRE(ns.size() == 1);
  CHECK(ns[0]->sections("mailbox").size() == 5);
  REQUIRE(c.sections("userdb").size() == 1);
  CHECK(c.sections("userdb")[0]->get("default_fields") == "uid=vmail gid=vmail home=/srv/mail/%d/%n");
  CHECK(c.root().section("protocol", "imap")->get("mail_plugins") == "quota imap_quota");
}

TEST_CASE("config loader: path resolution and missing files", "[config]") {
  CHECK(roost::resolve_config_path("/x/y.conf") == "/x/y.conf");
  ::setenv("ROOST_CONFIG", "/from/env.conf", 1);
  CHECK(roost::resolve_config_path("") == "/from/env.conf");
  CHECK(roost::resolve_config_path("/x/y.conf") == "/x/y.conf");
  ::unsetenv("ROOST_CONFIG");
  try {
    roost::load_config_file("/nonexistent/roost.conf");
    FAIL("expected an error");
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitConfig);
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent/roost.conf"));
  }
}
