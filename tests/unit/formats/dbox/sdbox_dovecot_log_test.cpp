// The Dovecot log Roost writes for its sdbox mailboxes reads back, through
// Roost's reader of Dovecot's index files, as the state it describes.
#include <catch2/catch.hpp>

#include "formats/dbox/sdbox_dovecot_log.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "formats/index/dovecot/transaction_log.hpp"

using namespace roost;

TEST_CASE("sdbox Dovecot log: a new log and appended changes read back", "[sdbox]") {
  const Guid128 guid = *Guid128::parse("0123456789abcdef0123456789abcdef");
  DovecotLogTransaction first;
  first.set_uid_validity(1795400000);
  first.set_sdbox_mailbox_guid(guid);
  first.append(1, 0x08);  // \Seen
  first.append(2, 0);
  first.append(5, 0x11);  // \Answered \Draft
  first.update_keyword("todo", true, 5);
  first.update_keyword("$Label1", true, 2);
  first.update_keyword("$Label1", true, 5);
  first.set_next_uid(7);
  std::string log = dovecot_log_file_header(1795400000, 1795400000) + first.finish();

  auto read = [](const std::string& bytes) {
    DovecotIndexView v = empty_dovecot_index_view();
    DovecotLog l = parse_dovecot_log(bytes, "dovecot.index.log");
    apply_dovecot_log(v, l, 0, "dovecot.index.log");
    return dovecot_mailbox_index_from_view(v);
  };
  auto m = read(log);
  CHECK(m.uid_validity == 1795400000u);
  CHECK(m.next_uid == 7);
  CHECK(m.mailbox_guid == guid.hex());
  REQUIRE(m.records.size() == 3);
  CHECK(m.records[0].uid == 1);
  CHECK(m.records[0].flags == 0x08);
  CHECK(m.records[2].flags == 0x11);
  CHECK(m.records[2].keywords == std::vector<std::string>{"todo", "$Label1"});
  CHECK(m.records[1].keywords == std::vector<std::string>{"$Label1"});
  CHECK(m.notes.empty());

  DovecotLogTransaction second;
  second.update_flags(1, 0x02, 0x08);  // +\Flagged -\Seen
  second.update_keyword("$Label1", false, 5);
  second.expunge(2);
  second.append(7, 0);
  second.set_next_uid(8);
  CHECK(!second.empty());
  CHECK(DovecotLogTransaction().empty());
  m = read(log + second.finish());
  REQUIRE(m.records.size() == 3);
  CHECK(m.records[0].flags == 0x02);
  CHECK(m.records[1].uid == 5);
  CHECK(m.records[1].keywords == std::vector<std::string>{"todo"});
  CHECK(m.records[2].uid == 7);
  CHECK(m.next_uid == 8);
  // A torn append (a crash mid-write) leaves the earlier state readable.
  std::string torn = log + second.finish();
  torn.resize(torn.size() - 5);
  CHECK(read(torn).records.size() == 3);
}
