// The dbox file code (header line, message header, metadata block, reader,
// writer) against files real Dovecot 2.3.19 wrote, and round trips.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <sstream>

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_file_reader.hpp"
#include "formats/dbox/dbox_message_header.hpp"
#include "formats/dbox/dbox_message_writer.hpp"
#include "formats/dbox/dbox_metadata.hpp"
#include "formats/dbox/dbox_paths.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/formats/dbox/dbox_test_util.hpp"

using namespace roost;
using roost::dbox_test::slurp;
using roost::dbox_test::TempDir;

namespace {
std::string fixture(const std::string& rel) {
  return std::string(ROOST_SOURCE_DIR) + "/fixtures/dbox/" + rel;
}
}  // namespace

TEST_CASE("dbox file header: Dovecot's line parses and formats back", "[dbox]") {
  auto h = parse_dbox_file_header("2 M1e C6b0368cd\n\x01\x02N", "u.1");
  CHECK(h.version == 2);
  CHECK(h.msg_header_size == 30);
  CHECK(h.create_time == 0x6b0368cd);
  CHECK(h.header_size == 16);
  CHECK(format_dbox_file_header(h) == "2 M1e C6b0368cd\n");
  auto old = parse_dbox_file_header("1 M1e A1234 Zzz\n", "x");
  CHECK(old.version == 1);
  REQUIRE(old.other.size() == 2);
  CHECK(old.other[0].first == 'A');
  CHECK(format_dbox_file_header(old) == "1 M1e C0 A1234 Zzz\n");
  CHECK_THROWS_AS(parse_dbox_file_header("", "x"), Error);
  CHECK_THROWS_AS(parse_dbox_file_header("2 M1e", "x"), Error);
  CHECK_THROWS_AS(parse_dbox_file_header("3 M1e\n", "x"), Error);
  CHECK_THROWS_AS(parse_dbox_file_header("2 C1\n", "x"), Error);
  CHECK_THROWS_AS(parse_dbox_file_header("2 M0\n", "x"), Error);
  try {
    parse_dbox_file_header("hello\n", "/some/u.7");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitDataErr);
    CHECK(std::string(e.what()).find("/some/u.7") != std::string::npos);
  }
}

TEST_CASE("dbox message header: 30 bytes, uppercase hex size", "[dbox]") {
  std::string h = format_dbox_message_header(216);
  REQUIRE(h.size() == 30);
  CHECK(h == std::string("\x01\x02N          00000000000000D8\n"));
  CHECK(parse_dbox_message_header(h, 30, "x", 16).body_size == 216);
  std::string lower = h;
  lower[27] = 'd';
  CHECK(parse_dbox_message_header(lower, 30, "x", 16).body_size == 216);
  CHECK_THROWS_AS(parse_dbox_message_header(h.substr(0, 20), 30, "x", 16), Error);
  std::string bad = h;
  bad[0] = 'x';
  CHECK_THROWS_AS(parse_dbox_message_header(bad, 30, "x", 16), Error);
  bad = h;
  bad[29] = ' ';
  CHECK_THROWS_AS(parse_dbox_message_header(bad, 30, "x", 16), Error);
  bad = h;
  bad[20] = 'g';
  CHECK_THROWS_AS(parse_dbox_message_header(bad, 30, "x", 16), Error);
}

TEST_CASE("dbox metadata: fields kept in order, set() uses Dovecot's order", "[dbox]") {
  std::string block = std::string(kDboxMagicPost) + "R6b0368cd\nVe1\nGabc\nQunknown\nR1\n\n";
  auto p = parse_dbox_metadata(block + "trailing", "x", 0);
  REQUIRE(p.status == DboxMetadataParse::kComplete);
  CHECK(p.consumed == block.size());
  CHECK(p.metadata.received_time() == 0x6b0368cd);  // the first R wins
  CHECK(p.metadata.virtual_size() == 0xe1);
  CHECK(p.metadata.guid() == "abc");
  CHECK(format_dbox_metadata(p.metadata) == block);
  CHECK(parse_dbox_metadata(block.substr(0, block.size() - 1), "x", 0).status ==
        DboxMetadataParse::kNeedMore);
  CHECK(parse_dbox_metadata("\n\x01", "x", 0).status == DboxMetadataParse::kNeedMore);
  CHECK_THROWS_AS(parse_dbox_metadata("\n\x01\x04\n\n", "x", 0), Error);

  DboxMetadata md;
  md.set_guid("g");
  md.set_orig_mailbox("INBOX");
  md.set_pop3_order(3);
  md.set_virtual_size(0x10);
  md.set_received_time(0x20);
  md.set_pop3_uidl("uidl");
  md.set_physical_size(5);
  md.set_orig_mailbox("bad\nname");  // refused: keeps INBOX
  CHECK(format_dbox_metadata(md) ==
        std::string(kDboxMagicPost) + "Z5\nR20\nV10\nPuidl\nO3\nGg\nBINBOX\n\n");
  md.set(dbox_key::kGuid, "x\ny");
  CHECK_THROWS_AS(format_dbox_metadata(md), Error);
}

TEST_CASE("dbox reader: Dovecot's sdbox u.1 and alt u.4", "[dbox]") {
  auto r = DboxFileReader::open(fixture("sdbox/store/sdbox/mailboxes/INBOX/dbox-Mails/u.1"));
  CHECK(r->file_header().create_time == 0x6b0368cd);
  auto m = r->next();
  REQUIRE(m);
  CHECK(m->offset == 16);
  CHECK(m->body_offset == 46);
  CHECK(m->body_size == 216);
  CHECK(m->metadata.guid() == "91529d01cd68036b9d63000083ecc375");
  CHECK(m->metadata.virtual_size() == 225);
  CHECK(m->metadata.received_time() == 0x6b0368cd);
  CHECK(!m->metadata.orig_mailbox());
  std::string body = slurp(*r->body_stream(*m));
  CHECK(body.size() == 216);
  CHECK(body.rfind("From: Alice <alice@example.com>\n", 0) == 0);
  CHECK(body.find("This is message 1.") != std::string::npos);
  CHECK(!r->next());
  CHECK(m->end_offset == r->file_size());

  auto alt = DboxFileReader::open(fixture("sdbox/store/sdbox-alt/mailboxes/INBOX/dbox-Mails/u.4"));
  auto m4 = alt->next();
  REQUIRE(m4);
  CHECK(m4->metadata.guid() == "d6040d04cd68036ba363000083ecc375");
}

TEST_CASE("dbox reader: Dovecot's mdbox m.2 holds several messages", "[dbox]") {
  auto r = DboxFileReader::open(fixture("mdbox/store/mdbox/storage/m.2"));
  std::vector<DboxMessage> msgs;
  while (auto m = r->next()) msgs.push_back(*m);
  REQUIRE(msgs.size() >= 2);
  // The map index says: uid 1 at offset 16 size 306, uid 3 at 322 size 306.
  CHECK(msgs[0].offset == 16);
  CHECK(msgs[0].total_size() == 306);
  CHECK(msgs[1].offset == 322);
  CHECK(msgs[0].metadata.orig_mailbox() == "INBOX");
  CHECK(r->read_message(322).metadata.guid() == msgs[1].metadata.guid());
  CHECK(slurp(*r->body_stream(msgs[1])).size() == msgs[1].body_size);
}

TEST_CASE("dbox writer: writes what Dovecot writes, reader reads it back", "[dbox]") {
  TempDir dir;
  std::string path = dir.path + "/u.1";
  std::string original = read_file(fixture("sdbox/store/sdbox/mailboxes/INBOX/dbox-Mails/u.1"));
  auto src = DboxFileReader::open(fixture("sdbox/store/sdbox/mailboxes/INBOX/dbox-Mails/u.1"));
  auto m = *src->next();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  DboxFileHeader fh;
  fh.create_time = 0x6b0368cd;
  std::string hl = format_dbox_file_header(fh);
  dbox_pwrite_all(fd, hl, 0, path);
  DboxMetadata md;
  md.set_received_time(0x6b0368cd);
  md.set_guid(m.metadata.guid());
  auto body = src->body_stream(m);
  auto w = write_dbox_message(fd, hl.size(), *body, md, path);
  ::close(fd);
  CHECK(w.body_size == 216);
  CHECK(w.virtual_size == 225);
  // Byte for byte what Dovecot wrote.
  CHECK(read_file(path) == original);
}

TEST_CASE("dbox writer: a save stores LF line endings, sizes counted after", "[dbox]") {
  TempDir dir;
  std::string path = dir.path + "/u.1";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  std::string raw = "Subject: x\r\n\r\nline\r\nlone\rcr\r\n";
  std::istringstream in(raw);
  DboxMetadata md;
  md.set_guid("g");
  auto w = write_dbox_message(fd, 0, in, md, path, nullptr, LineEndings::kLf);
  ::close(fd);
  std::string lf = "Subject: x\n\nline\nlone\rcr\n";
  CHECK(w.physical_size == lf.size());
  CHECK(w.virtual_size == lf.size() + 4);
  CHECK(read_file(path).substr(kDboxMessageHeaderSize, lf.size()) == lf);
}

TEST_CASE("dbox reader: truncated and damaged files name the file", "[dbox]") {
  TempDir dir;
  std::string original = read_file(fixture("sdbox/store/sdbox/mailboxes/INBOX/dbox-Mails/u.1"));
  for (size_t cut : {size_t{0}, size_t{10}, size_t{30}, size_t{100}, original.size() - 20,
                     original.size() - 1}) {
    std::string path = dir.path + "/u." + std::to_string(cut + 1);
    write_file_atomic(path, original.substr(0, cut));
    try {
      auto r = DboxFileReader::open(path);
      r->next();
      FAIL("no error for a file cut at " << cut);
    } catch (const Error& e) {
      CHECK(e.exit_code() == kExitDataErr);
      INFO(e.what());
      CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
  }
}

TEST_CASE("dbox ALT paths: primary first, then the same path under ALT", "[dbox]") {
  TempDir dir;
  DboxAltPaths p(dir.path + "/p/", dir.path + "/a");
  CHECK(p.alt_of(dir.path + "/p/mailboxes/INBOX/dbox-Mails/u.1") ==
        dir.path + "/a/mailboxes/INBOX/dbox-Mails/u.1");
  CHECK(p.alt_of("/elsewhere/u.1").empty());
  CHECK(p.alt_of(dir.path + "/px/u.1").empty());
  make_dirs(dir.path + "/a/x");
  write_file_atomic(dir.path + "/a/x/u.1", "a");
  CHECK(p.locate(dir.path + "/p/x/u.1") == dir.path + "/a/x/u.1");
  make_dirs(dir.path + "/p/x");
  write_file_atomic(dir.path + "/p/x/u.1", "p");
  CHECK(p.locate(dir.path + "/p/x/u.1") == dir.path + "/p/x/u.1");
  CHECK(!p.locate(dir.path + "/p/x/u.2"));
  CHECK(!DboxAltPaths(dir.path + "/p", "").locate(dir.path + "/p/x/u.2"));

  CHECK(check_dbox_alt_root_link(dir.path + "/p", dir.path + "/a") == DboxAltLink::kMissing);
  write_dbox_alt_root_link(dir.path + "/p", dir.path + "/a");
  CHECK(check_dbox_alt_root_link(dir.path + "/p", dir.path + "/a/") == DboxAltLink::kMatches);
  CHECK(check_dbox_alt_root_link(dir.path + "/p", dir.path + "/b") == DboxAltLink::kDiffers);
  CHECK(dbox_temp_file_name().rfind(".temp.", 0) == 0);
}
