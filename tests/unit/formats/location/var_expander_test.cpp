#include "formats/location/var_expander.hpp"

#include <catch2/catch.hpp>

#include "lib/error.hpp"

using roost::VarExpander;

TEST_CASE("var expander: user variables and modifiers", "[location]") {
  VarExpander v = VarExpander::for_user("John.Doe@Example.COM", "/home/jd");
  CHECK(v.expand("%u") == "John.Doe@Example.COM");
  CHECK(v.expand("%n/%d") == "John.Doe/Example.COM");
  CHECK(v.expand("%Lu %Ln %Ld") == "john.doe@example.com john.doe example.com");
  CHECK(v.expand("%Uu") == "JOHN.DOE@EXAMPLE.COM");
  CHECK(v.expand("%h/Maildir") == "/home/jd/Maildir");
  CHECK(v.expand("%{user}|%{username}|%{domain}|%{home}") ==
        "John.Doe@Example.COM|John.Doe|Example.COM|/home/jd");
  CHECK(v.expand("%L{domain}") == "example.com");
  CHECK(v.expand("100%%") == "100%");
  CHECK(v.expand("shared/%%u/") == "shared/%u/");
  CHECK(v.expand("%1n") == "J");
  CHECK(v.expand("%1.1n") == "o");
  CHECK(v.expand("%Rn") == "eoD.nhoJ");
}

TEST_CASE("var expander: MD5 and hash modifiers", "[location]") {
  VarExpander v = VarExpander::for_user("user");
  // md5("user") = ee11cbb19052e40b07aac0ca060c23ee
  CHECK(v.expand("%Mu") == "ee11cbb19052e40b07aac0ca060c23ee");
  CHECK(v.expand("/srv/%2Mu/%u") == "/srv/ee/user");
  CHECK(v.expand("%2.2Mu") == "11");
  // ASU hash of "user", modulo 16.
  CHECK(v.expand("%16Hu").size() == 1);
}

TEST_CASE("var expander: unknown variables are errors", "[location]") {
  VarExpander v = VarExpander::for_user("user");
  CHECK_THROWS_AS(v.expand("%q"), roost::Error);
  CHECK_THROWS_WITH(v.expand("/x/%{nosuch}"), Catch::Contains("%{nosuch}"));
  CHECK_THROWS_WITH(v.expand("/x/%"), Catch::Contains("Lone '%'"));
  CHECK_THROWS_WITH(v.expand("%{user"), Catch::Contains("Missing '}'"));
  try {
    v.expand("%q");
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitConfig);
  }
  v.set("service", "imap", 's');
  CHECK(v.expand("%s:%{service}") == "imap:imap");
}
