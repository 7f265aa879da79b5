// Corrupt and truncated Dovecot index files end in a roost::Error
// (kExitDataErr) that names the file and the problem; a log cut in the middle
// of a transaction is read up to its last complete transaction.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <random>

#include "formats/index/dovecot/index_loader.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "formats/index/dovecot/map_index.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/formats/index/dovecot/dovecot_test_util.hpp"

using namespace roost;
using namespace roost::dovecot_test;

namespace {

const std::string kInbox = "dbox/mdbox/store/mdbox/mailboxes/INBOX/dbox-Mails";

// Runs `f`; true if it succeeded, false for a kExitDataErr naming `name`.
template <typename F>
bool ok_or_data_error(F f, const std::string& name) {
  try {
    f();
    return true;
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    CHECK(std::string(e.what()).find(name) != std::string::npos);
    return false;
  }
}

void replay_all(std::string_view index, std::string_view log) {
  DovecotIndexView v =
      index.empty() ? empty_dovecot_index_view()
                    : dovecot_index_view_from_file(parse_dovecot_index_file(index, "i"), "i");
  DovecotLog l = parse_dovecot_log(log, "l");
  apply_dovecot_log(v, l, index.empty() ? 0 : v.header().log_file_head_offset, "l");
  (void)dovecot_mailbox_index_from_view(v);
  (void)dovecot_map_index_from_view(v);
}

}  // namespace

TEST_CASE("a truncated dovecot.index is a data error naming the file", "[dovecot][index]") {
  const std::string data = read_file(fixture(kInbox + "/dovecot.index"));
  for (size_t n = 0; n < data.size(); ++n) {
    INFO("length " << n);
    CHECK_FALSE(ok_or_data_error([&] { parse_dovecot_index_file(data.substr(0, n), "cut.index"); },
                                 "cut.index"));
  }
  CHECK(parse_dovecot_index_file(data, "whole").records.size() == 3);
}

TEST_CASE("specific dovecot.index corruptions are named", "[dovecot][index]") {
  const std::string good = read_file(fixture(kInbox + "/dovecot.index"));
  auto message = [](std::string bytes) {
    try {
      parse_dovecot_index_file(bytes, "x.index");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string v6 = good;
  v6[0] = 6;
  CHECK_THAT(message(v6), Catch::Contains("x.index") && Catch::Contains("major version 6"));
  std::string big_endian = good;
  big_endian[12] = 0;
  CHECK_THAT(message(big_endian), Catch::Contains("little-endian"));
  std::string bad_uid = good;
  const size_t header_size =
      static_cast<unsigned char>(good[4]) | static_cast<unsigned char>(good[5]) << 8;
  bad_uid[header_size] = 9;  // first record's UID above next_uid
  CHECK_THAT(message(bad_uid), Catch::Contains("record 1 has UID"));
}

TEST_CASE("a log cut anywhere keeps its complete transactions", "[dovecot][index]") {
  const std::string log = read_file(fixture(kInbox + "/dovecot.index.log"));
  const DovecotLog whole = parse_dovecot_log(log, "whole");
  CHECK_FALSE(whole.torn_tail);
  CHECK(whole.end_offset == log.size());
  for (size_t n = 0; n < log.size(); ++n) {
    INFO("length " << n);
    if (n < 40) {  // the header (hdr_size 40) itself is cut
      CHECK_FALSE(
          ok_or_data_error([&] { parse_dovecot_log(log.substr(0, n), "cut.log"); }, "cut.log"));
      continue;
    }
    DovecotLog cut = parse_dovecot_log(log.substr(0, n), "cut.log");
    CHECK(cut.end_offset <= n);
    CHECK(cut.records.size() <= whole.records.size());
    if (cut.end_offset < n) {
      REQUIRE(cut.torn_tail);
      CHECK_THAT(*cut.torn_tail, Catch::Contains("offset"));
    }
    // Replaying a prefix from nothing must not crash; errors are data errors.
    ok_or_data_error([&] { replay_all("", log.substr(0, n)); }, "l");
  }
}

TEST_CASE("bad log records are data errors with their offset", "[dovecot][index]") {
  const std::string log = read_file(fixture(kInbox + "/dovecot.index.log"));
  auto message = [](const std::string& bytes) {
    try {
      parse_dovecot_log(bytes, "x.log");
    } catch (const Error& e) {
      CHECK(e.exit_code() == kExitDataErr);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string bad_size = log;
  bad_size[40] = 0;  // first record's size loses its 0x80 marker
  CHECK_THAT(message(bad_size), Catch::Contains("x.log") && Catch::Contains("bad encoding") &&
                                    Catch::Contains("offset 40"));
  // An EXPUNGE record without its 0xcd90 guard.
  std::string expunge = log.substr(0, 40);
  const uint32_t enc = encode_dovecot_log_size(16);
  for (int i = 3; i >= 0; --i) expunge += static_cast<char>((enc >> (8 * i)) & 0xff);
  expunge += std::string("\x01\x00\x00\x10", 4) + std::string("\x01\0\0\0\x01\0\0\0", 8);
  CHECK_THAT(message(expunge), Catch::Contains("protection"));
  CHECK(decode_dovecot_log_size(encode_dovecot_log_size(36)) == 36u);
  CHECK_FALSE(decode_dovecot_log_size(0x00808089));
}

TEST_CASE("random damage to real index files never crashes the reader", "[dovecot][index]") {
  const std::string index = read_file(fixture(kInbox + "/dovecot.index"));
  const std::string log = read_file(fixture(kInbox + "/dovecot.index.log"));
  const std::string map_log =
      read_file(fixture("dbox/mdbox/store/mdbox/storage/dovecot.map.index.log"));
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string i = index, l = round % 2 ? log : map_log;
    for (int k = 0; k < 1 + round % 4; ++k) {
      std::string& t = k % 2 ? i : l;
      t[rng() % t.size()] = static_cast<char>(rng());
    }
    ok_or_data_error([&] { replay_all(i, l); }, "");
    ok_or_data_error([&] { replay_all("", l); }, "");
  }
}

TEST_CASE("the loader names the damaged file", "[dovecot][index]") {
  char tmpl[] = "/tmp/roost-dovecot-index-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  const std::string dir = tmpl;
  CHECK_THROWS_AS(load_dovecot_mailbox_index(dir), Error);
  std::string log = read_file(fixture(kInbox + "/dovecot.index.log"));
  log[44] = log[45] = log[46] = 0;  // the first record's type loses its type bits
  write_file_atomic(dir + "/dovecot.index.log", log);
  try {
    load_dovecot_mailbox_index(dir);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    CHECK_THAT(e.what(), Catch::Contains(dir + "/dovecot.index.log"));
  }
  remove_tree(dir);
}

TEST_CASE("an EXT_INTRO naming an ext id the replay doesn't know goes by name or is skipped",
          "[dovecot][index]") {
  // Seen in a real sdbox log: Dovecot's writer numbered an extension by its
  // own map, which the replayed part of the log hadn't introduced.
  const std::string log = read_file(fixture(kInbox + "/dovecot.index.log"));
  auto le32 = [](uint32_t v) {
    std::string s;
    for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
  };
  auto le16 = [](uint16_t v) {
    return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
  };
  auto record = [&](uint32_t type, const std::string& payload) {
    std::string out;
    const uint32_t enc = encode_dovecot_log_size(static_cast<uint32_t>(8 + payload.size()));
    for (int i = 3; i >= 0; --i) out += static_cast<char>((enc >> (8 * i)) & 0xff);
    return out + le32(type) + payload;
  };
  auto intro = [&](uint32_t id, const std::string& name) {
    std::string p = le32(id) + le32(0) + le32(0) + le16(4) + le16(4) + le16(0) +
                    le16(static_cast<uint16_t>(name.size())) + name;
    while (p.size() % 4) p += '\0';
    return p;
  };
  std::string bytes = log.substr(0, 40) + record(kLogExtIntro, intro(99, "foo")) +
                      record(kLogExtRecUpdate, le32(1) + le32(7)) +
                      record(kLogExtIntro, intro(98, "")) +
                      record(kLogExtRecUpdate, le32(1) + le32(7));
  DovecotIndexView v = empty_dovecot_index_view();
  apply_dovecot_log(v, parse_dovecot_log(bytes, "l"), 0, "l");
  CHECK(v.ext_id("foo") >= 0);
  REQUIRE(!v.notes.empty());
  CHECK_THAT(v.notes.back(), Catch::Contains("unknown ext id 98"));
}
