#include <catch2/catch.hpp>

#include "formats/index/dovecot_index_header.hpp"
#include "lib/fsutil.hpp"

using namespace roost;

TEST_CASE("Dovecot's dovecot.index base header is read", "[index][dovecot]") {
  // The INBOX index Dovecot 2.3.19 wrote for the Maildir fixture.
  std::string dir = std::string(ROOST_SOURCE_DIR) + "/fixtures/maildir/dovecot-2.3/store/Maildir";
  auto h = read_dovecot_index_header(dir);
  REQUIRE(h);
  CHECK(h->uid_validity == 1795385548u);
  CHECK(h->next_uid == 5u);
  CHECK(h->first_recent_uid == 1u);
  CHECK_FALSE(read_dovecot_index_header(dir + "/.Sub.Child"));  // only a log there
  CHECK_FALSE(parse_dovecot_index_header("short"));
  std::string wrong_version(120, '\0');
  wrong_version[0] = 6;
  CHECK_FALSE(parse_dovecot_index_header(wrong_version));
}
