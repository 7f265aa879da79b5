#include "lib/config/config_printer.hpp"

#include <catch2/catch.hpp>

#include "lib/config/config_loader.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace {

const std::string kFixture = std::string(ROOST_SOURCE_DIR) + "/fixtures/config/debian";

// doveconf's output minus its header comment lines (version, OS, hostname).
std::string without_header(const std::string& text) {
  std::string out;
  for (const std::string& line : roost::split(text, '\n')) {
    if (line.rfind("# ", 0) == 0 && out.empty()) continue;
    out += line + "\n";
  }
  while (out.size() >= 2 && out.substr(out.size() - 2) == "\n\n") out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("config printer: matches doveconf -n on the Debian-style fixture", "[config]") {
  roost::Config c = roost::load_config_file(kFixture + "/dovecot.conf");
  roost::ConfigPrintOptions opts;
  opts.version = "0.1.0";
  std::string ours = roost::format_config(c, opts);
  CHECK(ours.rfind("# roost 0.1.0: " + kFixture + "/dovecot.conf\n", 0) == 0);
  // doveconf-n.expected was produced by Dovecot 2.3.19's `doveconf -n -c`.
  std::string expected = roost::read_file(kFixture + "/doveconf-n.expected");
  CHECK(without_header(ours) == without_header(expected));
}

TEST_CASE("config printer: quoting, secrets, -a and single values", "[config]") {
  roost::Config c = roost::load_config_file(
      kFixture + "/dovecot.conf",
      {"login_greeting=hi # there", "doveadm_password=s3cret", "userdb/args=uid=1 password=xyz home=/x"});
  roost::ConfigPrintOptions opts;
  std::string out = roost::format_config(c, opts);
  CHECK_THAT(out, Catch::Contains("login_greeting = \"hi # there\"\n"));
  CHECK_THAT(out, Catch::Contains("doveadm_password = # hidden, use -P to show it\n"));
  CHECK_THAT(out, Catch::Contains("args = uid=1 password=#hidden_use-P_to_show# home=/x\n"));
  opts.show_secrets = true;
  CHECK_THAT(roost::format_config(c, opts), Catch::Contains("doveadm_password = s3cret\n"));

  opts.all = true;
  std::string all = roost::format_config(c, opts);
  CHECK_THAT(all, Catch::Contains("mail_fsync = optimized\n"));
  CHECK_THAT(all, Catch::Contains("mdbox_rotate_size = 10M\n"));

  CHECK(roost::format_config_value(c, "mail_location", true) == "maildir:~/Maildir:LAYOUT=fs");
  CHECK(roost::format_config_value(c, "mail_fsync", true) == "optimized");
  CHECK(roost::format_config_value(c, "namespace/inbox/separator", false) ==
        "namespace/inbox/separator = /");
  CHECK(roost::format_config_value(c, "ssl_cert", true) == "<../private/dovecot.pem");
  CHECK_FALSE(roost::format_config_value(c, "namespace/nope/prefix", true).has_value());
  CHECK_FALSE(roost::format_config_value(c, "no_such_setting", true).has_value());
  auto ns = roost::format_config_value(c, "namespace/inbox", true);
  REQUIRE(ns.has_value());
  CHECK_THAT(*ns, Catch::StartsWith("namespace inbox {\n  disabled = no\n"));
  CHECK_THAT(*ns, Catch::Contains("  mailbox \"Sent Messages\" {\n"));
}
