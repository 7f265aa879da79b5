// Stores written by real Dovecot 2.3.19 through doveadm
// (fixtures/dbox/generated/generate.sh): 40 keywords (past the first 32
// bits), hundreds of flag changes (dovecot.index rewritten, the log rotated
// to .log.2), expunges, a copy (mdbox refcount 2) and a map index that
// exists only as its log.
#include <catch2/catch.hpp>

#include <map>
#include <optional>

#include "formats/index/dovecot/mailbox_index.hpp"
#include "formats/index/dovecot/map_index.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/formats/index/dovecot/dovecot_test_util.hpp"

using namespace roost;
using namespace roost::dovecot_test;

namespace {

struct StatusRow {
  uint32_t messages, uid_next, uid_validity;
  uint64_t highest_modseq;
};

// status.tsv: `doveadm -f tab mailbox status 'uidvalidity uidnext highestmodseq messages' '*'`.
std::map<std::string, StatusRow> read_status(const std::string& path) {
  std::map<std::string, StatusRow> out;
  std::string text = read_file(path);
  size_t pos = text.find('\n') + 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    std::vector<std::string> f;
    size_t s = 0;
    for (size_t t; (t = line.find('\t', s)) != std::string::npos; s = t + 1)
      f.push_back(line.substr(s, t - s));
    f.push_back(line.substr(s));
    if (f.size() != 5) continue;
    out[f[0]] = {static_cast<uint32_t>(std::stoul(f[1])), static_cast<uint32_t>(std::stoul(f[2])),
                 static_cast<uint32_t>(std::stoul(f[3])), std::stoull(f[4])};
  }
  return out;
}

void check_store(const std::string& fmt) {
  const std::string base = fixture("dbox/generated/" + fmt);
  const std::string root = base + "/store";
  auto rows = read_expected(base + "/expected.tsv");
  auto status = read_status(base + "/status.tsv");
  REQUIRE(rows.size() == 5);
  REQUIRE(status.size() == 2);
  std::optional<DovecotMapIndex> map;
  if (fmt == "mdbox") map = load_dovecot_map_index(root + "/storage");
  std::map<uint32_t, int> refs;  // map uid -> mailbox records pointing at it
  for (const auto& [mailbox, st] : status) {
    INFO(fmt << " " << mailbox);
    const std::string dir = root + "/mailboxes/" + mailbox + "/dbox-Mails";
    auto idx = load_dovecot_mailbox_index(dir);
    CHECK(idx.notes.empty());
    CHECK(idx.uid_validity == st.uid_validity);
    CHECK(idx.next_uid == st.uid_next);
    CHECK(idx.highest_modseq == st.highest_modseq);
    CHECK(idx.records.size() == st.messages);
    size_t n = 0;
    for (const auto& row : rows) {
      if (row.mailbox != mailbox) continue;
      REQUIRE(n < idx.records.size());
      const auto& rec = idx.records[n++];
      CHECK(rec.uid == row.uid);
      CHECK(flags_string(rec, idx.first_recent_uid) == row.flags);
      if (fmt == "sdbox") {
        CHECK(dbox_file_guid(dir + "/u." + std::to_string(rec.uid)) == row.guid);
      } else {
        CHECK(rec.guid == row.guid);
        CHECK(idx.map_uid_validity == map->uid_validity);
        ++refs[rec.map_uid];
      }
    }
    CHECK(n == idx.records.size());
  }
  if (!map) return;
  // The map has only its log (never written as dovecot.map.index); the
  // expunged mails stay with refcount 0 until a purge.
  CHECK_FALSE(path_exists(root + "/storage/dovecot.map.index"));
  CHECK(refs.size() == 4);  // INBOX 1 2 4 6; Other's copy shares 4's
  CHECK(map->records.size() == 6);
  const std::string m1 = read_file(root + "/storage/m.1");
  for (const auto& r : map->records) {
    INFO("map uid " << r.map_uid);
    CHECK(r.refcount == refs[r.map_uid]);
    CHECK(r.file_id == 1u);
    REQUIRE(uint64_t{r.offset} + r.size <= m1.size());
    CHECK(m1.substr(r.offset, 2) == "\x01\x02");
    CHECK(m1[r.offset + 29] == '\n');
  }
}

}  // namespace

TEST_CASE("doveadm-generated sdbox store reads back as doveadm fetch/status",
          "[dovecot][index]") {
  check_store("sdbox");
  // dovecot.index was rewritten and the log rotated: the snapshot is synced
  // into .log.2 and the rest comes from .log.
  const std::string dir = fixture("dbox/generated/sdbox/store/mailboxes/INBOX/dbox-Mails");
  CHECK(path_exists(dir + "/dovecot.index.log.2"));
  CHECK(path_exists(dir + "/dovecot.index"));
  auto idx = load_dovecot_mailbox_index(dir);
  CHECK(idx.keywords.size() == 40);
}

TEST_CASE("doveadm-generated mdbox store: mailboxes and map agree with doveadm",
          "[dovecot][index]") {
  check_store("mdbox");
}
