#include "server/auth/password_scheme.hpp"

#include <catch2/catch.hpp>

#include "lib/error.hpp"

using roost::generate_password;
using roost::verify_password;

TEST_CASE("password schemes: hashes made by the real `doveadm pw -p secret`", "[auth]") {
  const char* hashes[] = {
      "{SHA512-CRYPT}$6$GrvzFfhF.M3vyys.$4ILPU.zaOP10fjyOFtqOlWFemTTwx5OnudePMqFQ78yqnLleiraxC4C92CVhdi7BmMXpS4i6BoCmMpVbCH4pD1",
      "{SHA256-CRYPT}$5$Rmv7FgIWgJYvXNTb$9GluAghkFxrg2DOYeAVYbpnJgMinSPWcyXSpnhq0cW/",
      "{MD5-CRYPT}$1$Kaeqt.jg$30DTTysNliHmGUWYxUAHq1",
      "{MD5}$1$XDvNxCx0$L3RxWcGWCvBXZUGMQww5I.",
      "{CRYPT}$2y$05$GIsNSfxZjGQyxBJFyZl62eJs7sPK45j.Gh2GheBaNeWr3FinUP7L.",
      "{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=",
      "{SHA256.HEX}2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b",
      "{SSHA512}JeqGEQdmifO42iRlM6Utr4g+1ttN46SHz30rTuNsZjTTYMfEt2EdJYIY05ysXX0ik9XHxzXl7G/DPGdLpLTY2Ix3a8U=",
      "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
      "{SSHA}Vo4hdgbFBqwFFXltUUZpXf1reWzb6+GI",
      "{SSHA256}5aiTxOt/nZnf33Cikodaa9/B8AN2cDUawWC36rcfmbXLYcMf",
      "{SHA512}vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==",
      "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69",
      "{SMD5}C/PWBAQPcbwjXGptQRgILrk6OPg=",
      "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==",
      "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$IXl3FczQ78XrUZfIl1uIqg$vT9NxEOb/LnHJgQWGpvpliXKABHYYlOppnFnIjWeOZc",
      "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$fn5jc4AId2RMsh8rSDTeBg$W6Wz8zoyiv8FTUNtlrBuMkWIMwXnDOKESZCBwyt/jOU",
      "{PLAIN}secret",
      "{CLEARTEXT}secret",
  };
  for (const char* h : hashes) {
    INFO(h);
    CHECK(verify_password(h, "secret"));
    CHECK_FALSE(verify_password(h, "Secret"));
  }
  // No {SCHEME}: passwd-file's scheme= (CRYPT by default).
  CHECK(verify_password("$1$Kaeqt.jg$30DTTysNliHmGUWYxUAHq1", "secret"));
  CHECK(verify_password("secret", "secret", "PLAIN"));
  CHECK_THROWS_AS(verify_password("{NOPE}x", "secret"), roost::Error);
}

TEST_CASE("password schemes: generate and verify round trips", "[auth]") {
  for (const std::string& scheme : roost::supported_password_schemes()) {
    INFO(scheme);
    std::string h = generate_password(scheme, "pässwörd 1");
    CHECK(h.rfind("{" + scheme + "}", 0) == 0);
    CHECK(verify_password(h, "pässwörd 1"));
    CHECK_FALSE(verify_password(h, "password 1"));
  }
  CHECK(generate_password("sha256", "secret") == "{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=");
  CHECK(generate_password("SHA256.HEX", "secret") ==
        "{SHA256.HEX}2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
  CHECK(generate_password("PLAIN-MD5", "secret") == "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69");
  CHECK(generate_password("LDAP-MD5", "secret") == "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==");
  CHECK_THAT(generate_password("SHA512-CRYPT", "x"), Catch::StartsWith("{SHA512-CRYPT}$6$"));
  CHECK_THAT(generate_password("CRYPT", "x"), Catch::StartsWith("{CRYPT}$2y$05$"));
  CHECK_THAT(generate_password("SHA512-CRYPT", "x", 10000),
             Catch::StartsWith("{SHA512-CRYPT}$6$rounds=10000$"));
  CHECK_THAT(generate_password("ARGON2ID", "x"), Catch::StartsWith("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$"));
  try {
    generate_password("BOGUS", "x");
    FAIL("expected an error");
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitUsage);
  }
}
