#include "server/auth/userdb.hpp"

#include <catch2/catch.hpp>

#include "lib/error.hpp"
#include "server/auth/passdb.hpp"
#include "server/auth/user_output.hpp"
#include "tests/unit/server/auth/auth_test_util.hpp"

using roost::test::parse_test_config;
using roost::test::TempDir;

namespace {

const char kUsers[] =
    "# comment line\n"
    "alice:{PLAIN}secret:1000:1000::/home/alice::userdb_quota_rule=*:storage=1G userdb_mail=mdbox:~/mdbox\n"
    "bob:{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=:::Bob Smith:/srv/bob:/bin/sh:\n"
    "carol@example.com:$1$Kaeqt.jg$30DTTysNliHmGUWYxUAHq1::::::\n"
    "dave:{PLAIN}x\n"
    "Frank:{PLAIN}x:1002:1002::/home/frank\n";

std::string config_text(const std::string& users_path) {
  return "mail_location = maildir:~/Maildir\n"
         "passdb {\n  driver = passwd-file\n  args = scheme=MD5-CRYPT username_format=%u " + users_path + "\n}\n"
         "userdb {\n  driver = passwd-file\n  args = username_format=%u " + users_path + "\n"
         "  default_fields = uid=mail gid=mail home=/srv/mail/%u\n"
         "  override_fields = gid=nogroup\n}\n";
}

}  // namespace

TEST_CASE("userdb: passwd-file with default and override fields", "[auth]") {
  TempDir dir;
  std::string users = dir.path + "/users";
  roost::write_file_atomic(users, kUsers);
  roost::Config config = parse_test_config(config_text(users));
  roost::UserDb db(config);

  auto alice = db.lookup("alice");
  REQUIRE(alice.has_value());
  CHECK(alice->uid == 1000u);
  CHECK(alice->gid == 65534u);  // override_fields gid=nogroup
  CHECK(alice->home == "/home/alice");
  CHECK(alice->mail == "mdbox:~/mdbox");
  REQUIRE(alice->field("quota_rule") != nullptr);
  CHECK(*alice->field("quota_rule") == "*:storage=1G");

  auto bob = db.lookup("bob");
  REQUIRE(bob.has_value());
  CHECK(bob->uid == 8u);  // default_fields uid=mail
  CHECK(bob->home == "/srv/bob");
  CHECK(bob->mail.empty());

  auto carol = db.lookup("carol@example.com");
  REQUIRE(carol.has_value());
  CHECK(carol->home == "/srv/mail/carol@example.com");

  CHECK_FALSE(db.lookup("dave").has_value());    // no userdb columns
  CHECK_FALSE(db.lookup("nobody").has_value());
  CHECK_FALSE(db.lookup("Frank").has_value());   // %Lu makes it "frank"
  CHECK(db.translate_username("Frank") == "frank");

  CHECK(db.iterate() == std::vector<std::string>{"alice", "bob", "carol@example.com", "Frank"});

  roost::PassDb passdb(config);
  CHECK(passdb.verify_password("alice", "secret") == roost::PassdbResult::kOk);
  CHECK(passdb.verify_password("bob", "secret") == roost::PassdbResult::kOk);
  CHECK(passdb.verify_password("carol@example.com", "secret") == roost::PassdbResult::kOk);
  CHECK(passdb.verify_password("alice", "wrong") == roost::PassdbResult::kPasswordMismatch);
  CHECK(passdb.verify_password("nobody", "x") == roost::PassdbResult::kUserUnknown);
}

TEST_CASE("userdb: doveadm user output matches Dovecot 2.3.19", "[auth]") {
  TempDir dir;
  std::string users = dir.path + "/users";
  roost::write_file_atomic(users, kUsers);
  roost::Config config = parse_test_config(config_text(users));
  roost::UserDb db(config);
  auto run = [&](std::vector<std::string> names, const std::string& field = "") {
    std::vector<roost::UserLookupResult> results;
    for (const auto& n : names) results.push_back({n, db.lookup(n)});
    return roost::format_user_lookups(results, config, field);
  };
  // Expected texts captured from `doveadm -c <same config> user ...`.
  auto o = run({"alice"});
  CHECK(o.out ==
        "field\tvalue\nuid\t1000\ngid\t65534\nhome\t/home/alice\nmail\tmdbox:~/mdbox\n"
        "quota_rule\t*:storage=1G\n");
  CHECK(o.exit_code == 0);
  o = run({"bob"});
  CHECK(o.out == "field\tvalue\nuid\t8\ngid\t65534\nhome\t/srv/bob\nmail\tmaildir:~/Maildir\n");
  o = run({"nobody"});
  CHECK(o.out == "field\tvalue\n\nuserdb lookup: user nobody doesn't exist\n");
  CHECK(o.exit_code == 67);
  o = run({"nobody", "alice"});
  CHECK(o.out ==
        "field\tvalue\n\nuserdb lookup: user nobody doesn't exist\nuid\t1000\ngid\t65534\n"
        "home\t/home/alice\nmail\tmdbox:~/mdbox\nquota_rule\t*:storage=1G\n\n");
  CHECK(o.exit_code == 67);
  o = run({"alice"}, "home");
  CHECK(o.out == "/home/alice\n");
  o = run({"alice"}, "nonexistent");
  CHECK(o.out.empty());
}

TEST_CASE("userdb: static and passwd drivers", "[auth]") {
  TempDir dir;
  std::string users = dir.path + "/users";
  roost::write_file_atomic(users, kUsers);
  roost::Config config = parse_test_config(
      "userdb {\n  driver = static\n  args = uid=mail gid=mail home=/srv/mail/%d/%n allow_all_users=yes\n}\n");
  roost::UserDb db(config);
  auto u = db.lookup("x@example.org");
  REQUIRE(u.has_value());
  CHECK(u->uid == 8u);
  CHECK(u->home == "/srv/mail/example.org/x");
  try {
    db.iterate();
    FAIL("expected an error");
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitTempFail);  // doveadm: "user listing failed", 75
    CHECK_THAT(e.what(), Catch::Contains("static"));
  }

  // Without allow_all_users the user must exist in the passwd-file passdb.
  roost::Config checked = parse_test_config(
      "passdb {\n  driver = passwd-file\n  args = " + users + "\n}\n"
      "userdb {\n  driver = static\n  args = uid=1000 gid=1000 home=/srv/%u\n}\n");
  roost::UserDb db2(checked);
  auto alice = db2.lookup("alice");
  REQUIRE(alice.has_value());
  CHECK(alice->home == "/srv/alice");
  CHECK(alice->mail == "mdbox:~/mdbox");  // the passdb line's userdb_mail, as in Dovecot
  CHECK(*alice->field("quota_rule") == "*:storage=1G");
  CHECK_FALSE(db2.lookup("nobody").has_value());

  roost::Config sys = parse_test_config("first_valid_uid = 0\nfirst_valid_gid = 0\nuserdb {\n  driver = passwd\n}\n");
  roost::UserDb db3(sys);
  auto root = db3.lookup("root");
  REQUIRE(root.has_value());
  CHECK(root->uid == 0u);
  CHECK(root->home == "/root");
  CHECK(*root->field("system_groups_user") == "root");
  auto all = db3.iterate();
  CHECK(std::find(all.begin(), all.end(), "root") != all.end());
  roost::Config sys500 = parse_test_config("userdb {\n  driver = passwd\n}\n");
  auto users500 = roost::UserDb(sys500).iterate();
  CHECK(std::find(users500.begin(), users500.end(), "root") == users500.end());

  CHECK_THROWS_WITH(roost::UserDb(parse_test_config("userdb {\n  driver = sql\n}\n")),
                    Catch::Contains("'sql' is not supported"));
}

TEST_CASE("userdb: per-domain passwd-file path and errors", "[auth]") {
  TempDir dir;
  roost::make_dirs(dir.path + "/example.com");
  roost::write_file_atomic(dir.path + "/example.com/passwd", "jo:{PLAIN}x:1000:1000::/home/jo\n");
  roost::Config config = parse_test_config(
      "userdb {\n  driver = passwd-file\n  args = username_format=%n " + dir.path + "/%d/passwd\n}\n");
  roost::UserDb db(config);
  CHECK(db.lookup("jo@example.com").has_value());
  CHECK_THROWS_WITH(db.iterate(), Catch::Contains("%-variables"));
  try {
    db.lookup("jo@other.org");
    FAIL("expected an error");
  } catch (const roost::Error& e) {
    CHECK(e.exit_code() == roost::kExitConfig);
    CHECK_THAT(e.what(), Catch::Contains("other.org/passwd"));
  }
  roost::Config bad_uid = parse_test_config(
      "userdb {\n  driver = static\n  args = uid=no-such-user-xyz allow_all_users=yes\n}\n");
  CHECK_THROWS_WITH(roost::UserDb(bad_uid).lookup("u"), Catch::Contains("no-such-user-xyz"));
}
