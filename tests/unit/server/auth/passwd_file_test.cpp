#include "server/auth/passwd_file.hpp"

#include <catch2/catch.hpp>

#include "lib/error.hpp"

TEST_CASE("passwd-file: parsing", "[auth]") {
  auto entries = roost::parse_passwd_file(
      "# comment\n"
      "\n"
      "alice:{PLAIN}pw:1000:1000::/home/alice::userdb_quota_rule=*:storage=1G userdb_mail=mdbox:~/mdbox allow_nets=10.0.0.0/8\n"
      "bob:{PLAIN}pw:::Bob Smith:/srv/bob:/bin/sh:\n"
      "old:x:1001:1001::/home/old:::maildir:~/Maildir\n"
      "dave:{PLAIN}x\n"
      "pam:abcdef[34]\n"
      "alice:duplicate:1:1::/x\n");
  REQUIRE(entries.size() == 5);
  const auto* a = roost::find_passwd_file_entry(entries, "alice");
  REQUIRE(a != nullptr);
  CHECK(a->password == "{PLAIN}pw");
  CHECK(a->uid == "1000");
  CHECK(a->home == "/home/alice");
  CHECK(a->extra_fields == std::vector<std::string>{"userdb_quota_rule=*:storage=1G",
                                                    "userdb_mail=mdbox:~/mdbox",
                                                    "allow_nets=10.0.0.0/8"});
  const auto* b = roost::find_passwd_file_entry(entries, "bob");
  CHECK(b->gecos == "Bob Smith");
  CHECK(b->shell == "/bin/sh");
  CHECK(b->has_userdb_info);
  CHECK(b->uid.empty());
  CHECK(roost::find_passwd_file_entry(entries, "old")->extra_fields ==
        std::vector<std::string>{"userdb_mail=maildir:~/Maildir"});
  CHECK_FALSE(roost::find_passwd_file_entry(entries, "dave")->has_userdb_info);
  CHECK(roost::find_passwd_file_entry(entries, "pam")->password == "{PLAIN-MD5}abcdef");
  CHECK(entries[0].user == "alice");
  CHECK(entries[1].user == "bob");
}

TEST_CASE("passwd-file: args", "[auth]") {
  auto a = roost::parse_passwd_file_args("scheme=sha512-crypt username_format=%n /etc/dovecot/%d/passwd");
  CHECK(a.scheme == "SHA512-CRYPT");
  CHECK(a.username_format == "%n");
  CHECK(a.path == "/etc/dovecot/%d/passwd");
  auto d = roost::parse_passwd_file_args("/etc/dovecot/users");
  CHECK(d.scheme == "CRYPT");
  CHECK(d.username_format == "%u");
  CHECK_THROWS_AS(roost::parse_passwd_file_args("scheme=PLAIN"), roost::Error);
  CHECK_THROWS_AS(roost::parse_passwd_file_args("bogus=1 /x"), roost::Error);
}
