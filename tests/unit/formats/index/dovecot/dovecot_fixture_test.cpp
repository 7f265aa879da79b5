// The index files real Dovecot 2.3.19 wrote for the sdbox, mdbox and Maildir
// fixtures must read back as the `doveadm fetch` output stored with them.
#include <catch2/catch.hpp>

#include <map>

#include "formats/index/dovecot/map_index.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/formats/index/dovecot/dovecot_test_util.hpp"

using namespace roost;
using namespace roost::dovecot_test;

namespace {

std::string mailbox_dir(const std::string& root, const std::string& mailbox) {
  return root + "/mailboxes/" + mailbox + "/dbox-Mails";
}

// `doveadm mailbox status 'uidvalidity uidnext highestmodseq'` on the
// fixture stores (both were made the same way, so only HIGHESTMODSEQ differs).
struct Status {
  uint32_t uid_validity, uid_next;
  uint64_t sdbox_modseq, mdbox_modseq;
};
const std::map<std::string, Status> kStatus = {
    {"INBOX", {1795385549u, 5, 213, 236}},
    {"Sub", {1795385550u, 1, 1, 1}},
    {"Sub/Child", {1795385551u, 2, 3, 4}},
};

}  // namespace

TEST_CASE("sdbox fixture: Dovecot's index and log give doveadm's flags", "[dovecot][index]") {
  const std::string root = fixture("dbox/sdbox/store/sdbox");
  const std::string alt = fixture("dbox/sdbox/store/sdbox-alt");
  auto rows = read_expected(fixture("dbox/sdbox/expected.tsv"));
  REQUIRE(rows.size() == 4);
  size_t checked = 0;
  for (std::string mailbox : {"INBOX", "Sub", "Sub/Child"}) {
    auto idx = load_dovecot_mailbox_index(mailbox_dir(root, mailbox));
    CHECK(idx.uid_validity == kStatus.at(mailbox).uid_validity);
    CHECK(idx.next_uid == kStatus.at(mailbox).uid_next);
    CHECK(idx.highest_modseq == kStatus.at(mailbox).sdbox_modseq);
    CHECK(idx.notes.empty());
    for (const auto& row : rows) {
      if (row.mailbox != mailbox) continue;
      const DovecotMailRecord* rec = nullptr;
      for (const auto& r : idx.records)
        if (r.uid == row.uid) rec = &r;
      REQUIRE(rec);
      CHECK(flags_string(*rec, idx.first_recent_uid) == row.flags);
      // sdbox has no guid ext; the GUID is in the u.<uid> file (primary or ALT).
      CHECK(rec->guid.empty());
      std::string file = mailbox_dir(root, mailbox) + "/u." + std::to_string(row.uid);
      if (!path_exists(file)) file = mailbox_dir(alt, mailbox) + "/u." + std::to_string(row.uid);
      CHECK(dbox_file_guid(file) == row.guid);
      ++checked;
    }
    size_t expected_count = 0;
    for (const auto& row : rows) expected_count += row.mailbox == mailbox;
    CHECK(idx.records.size() == expected_count);
  }
  CHECK(checked == rows.size());

  auto inbox = load_dovecot_mailbox_index(mailbox_dir(root, "INBOX"));
  CHECK(inbox.next_uid == 5u);
  CHECK(inbox.mailbox_guid.size() == 32);
  CHECK(inbox.keywords == std::vector<std::string>{"$Label1", "todo"});
  REQUIRE(inbox.records.size() == 3);
  // uid 4 was moved to ALT storage: the backend bit.
  CHECK(inbox.records[2].flags == kDovecotFlagBackend);
  REQUIRE(inbox.vsize);
}

TEST_CASE("mdbox fixture: index, log and map index agree with doveadm", "[dovecot][index]") {
  const std::string root = fixture("dbox/mdbox/store/mdbox");
  const std::string alt = fixture("dbox/mdbox/store/mdbox-alt");
  auto rows = read_expected(fixture("dbox/mdbox/expected.tsv"));
  auto map = load_dovecot_map_index(root + "/storage");
  CHECK(map.notes.empty());
  CHECK(map.highest_file_id == 4u);
  REQUIRE(map.records.size() == 4);
  CHECK(map.records[0].map_uid == 1u);
  CHECK(map.records[0].file_id == 2u);
  CHECK(map.records[0].offset == 16u);
  CHECK(map.records[0].size == 306u);
  CHECK(map.records[0].refcount == 1u);

  size_t checked = 0;
  for (std::string mailbox : {"INBOX", "Sub", "Sub/Child"}) {
    auto idx = load_dovecot_mailbox_index(mailbox_dir(root, mailbox));
    CHECK(idx.uid_validity == kStatus.at(mailbox).uid_validity);
    CHECK(idx.next_uid == kStatus.at(mailbox).uid_next);
    CHECK(idx.highest_modseq == kStatus.at(mailbox).mdbox_modseq);
    CHECK(idx.notes.empty());
    CHECK(idx.map_uid_validity == map.uid_validity);
    CHECK(idx.mailbox_guid.size() == 32);
    for (const auto& row : rows) {
      if (row.mailbox != mailbox) continue;
      const DovecotMailRecord* rec = nullptr;
      for (const auto& r : idx.records)
        if (r.uid == row.uid) rec = &r;
      REQUIRE(rec);
      CHECK(flags_string(*rec, idx.first_recent_uid) == row.flags);
      CHECK(rec->guid == row.guid);
      // The map UID leads to the message: a dbox message header at that
      // offset of m.<file_id>, in the primary or the ALT storage.
      const DovecotMapRecord* m = map.find(rec->map_uid);
      REQUIRE(m);
      CHECK(m->refcount == 1u);
      std::string file = root + "/storage/m." + std::to_string(m->file_id);
      if (!path_exists(file)) file = alt + "/storage/m." + std::to_string(m->file_id);
      std::string data = read_file(file);
      REQUIRE(data.size() >= uint64_t{m->offset} + m->size);
      CHECK(data.substr(m->offset, 3) == std::string("\x01\x02N"));
      CHECK(data[m->offset + 29] == '\n');
      CHECK(data.substr(m->offset, m->size).find("G" + row.guid + "\n") != std::string::npos);
      ++checked;
    }
  }
  CHECK(checked == rows.size());
  auto inbox = load_dovecot_mailbox_index(mailbox_dir(root, "INBOX"));
  CHECK(inbox.keywords == std::vector<std::string>{"$Label1", "todo"});
  // The snapshot has modseq 223; the log tail's \Flagged toggles on uid 4
  // come after it.
  REQUIRE(inbox.records.size() == 3);
  CHECK(inbox.records[0].modseq == 14u);
  CHECK(inbox.records[2].modseq == 236u);
}

TEST_CASE("Maildir fixture: Dovecot's INBOX index gives doveadm's flags", "[dovecot][index]") {
  const std::string dir = fixture("maildir/dovecot-2.3/store/Maildir");
  auto rows = read_expected(fixture("maildir/dovecot-2.3/expected.tsv"));
  for (std::string mailbox : {"INBOX", "Sub/Child"}) {
    auto idx = load_dovecot_mailbox_index(mailbox == "INBOX" ? dir : dir + "/.Sub.Child");
    size_t n = 0;
    for (const auto& row : rows) {
      if (row.mailbox != mailbox) continue;
      REQUIRE(n < idx.records.size());
      CHECK(idx.records[n].uid == row.uid);
      CHECK(flags_string(idx.records[n], idx.first_recent_uid) == row.flags);
      ++n;
    }
    CHECK(idx.records.size() == n);
  }
}
