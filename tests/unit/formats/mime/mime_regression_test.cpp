#include <catch2/catch.hpp>

#include "formats/mime/imap_bodystructure.hpp"
#include "formats/mime/mime_part.hpp"

using namespace roost;

// Broken Content-Type values; expected strings from the real doveadm 2.3.19.
// "Content-Type: text" (no subtype) is also the fuzz regression for a
// dangling string_view found by fuzz_mime.
TEST_CASE("MIME: broken Content-Type values", "[mime]") {
  CHECK(imap_bodystructure(parse_mime("Content-Type: text\n\nx\n")) ==
        "\"text\" \"\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL");
  CHECK(imap_bodystructure(parse_mime("Content-Type: multipart\n\nx\n")) ==
        "\"application\" \"octet-stream\" NIL NIL NIL \"7bit\" 3 NIL NIL NIL NIL");
  CHECK(imap_bodystructure(parse_mime("Content-Type: message/rfc822\n\n")) ==
        "\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 0 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
        "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) 0 "
        "NIL NIL NIL NIL");
}

TEST_CASE("MIME: hostile input stays bounded", "[mime]") {
  // 5000 nested multiparts: depth is capped, nothing crashes.
  std::string msg;
  for (int i = 0; i < 5000; ++i) {
    msg += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
           std::to_string(i) + "\n";
  }
  msg += "\nleaf\n";
  MimePart root = parse_mime(msg);
  int depth = 0;
  for (const MimePart* p = &root; !p->children.empty(); p = &p->children[0]) ++depth;
  CHECK(depth < static_cast<int>(kMaxMimeDepth));
  CHECK_FALSE(imap_bodystructure(root).empty());
  // NULs, bare CRs and an unterminated multipart.
  static const char kNasty[] =
      "Subject: a\0b\rc\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\0\r";
  std::string nasty(kNasty, sizeof kNasty - 1);
  CHECK_FALSE(imap_bodystructure(parse_mime(nasty)).empty());
  CHECK(parse_mime_params("; a*0=x; a*1=y; b=\"q\\\"\"; a=z")[0].name == "b");
}
