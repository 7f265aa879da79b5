#include "formats/mime/imap_bodystructure.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/formats/doveadm_sample_messages.hpp"

#include "formats/mime/mime_part.hpp"

using namespace roost;

namespace {

// Messages saved with the real `doveadm save` (Dovecot 2.3.19) and the
// strings `doveadm -f json fetch imap.envelope imap.body imap.bodystructure
// size.virtual` printed for them.
struct DovecotCase {
  const char* message;
  const char* envelope;
  const char* body;
  const char* bodystructure;
  uint64_t virtual_size;
};

const DovecotCase kCases[] = {
  {roost::test::kDoveadmSampleMessages[0],
   "\"Mon, 3 Apr 2023 10:00:00 +0200\" \"=?UTF-8?B?SGVsbG8gd8O2cmxk?=\" ((\"Alice\" NIL \"a\" \"example.com\")) ((\"Alice\" NIL \"a\" \"example.com\")) ((\"Alice\" NIL \"a\" \"example.com\")) ((NIL NIL \"bob\" \"example.org\")(\"Carol, C.\" NIL \"carol\" \"example.net\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL \"<id0@example.com>\" \"<id1@example.com>\"",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 29 2",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 29 2 NIL NIL NIL NIL",
   284},
  {roost::test::kDoveadmSampleMessages[1],
   "NIL {24}\r\n"
      "multipart folded subject (({17}\r\n"
      "Bob \"The\" Builder NIL \"bob\" \"x.org\")) ((NIL NIL \"s\" \"x.y\")) ((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"b.c\")(NIL NIL \"d\" \"e.f\")(NIL NIL NIL NIL)(NIL NIL \"solo\" \"x.y\")) ((NIL \"@route.example\" \"user\" \"host.example\")) NIL NIL NIL NIL",
   "(\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 21 1)(\"text\" \"html\" (\"charset\" \"utf-8\") \"<cid1>\" \"html part\" \"7bit\" 9 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 45 (NIL \"inner\" ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" \"x.y\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0) 3)(\"application\" \"octet-stream\" (\"name*\" \"utf-8''%E2%82%AC.bin\") NIL NIL \"base64\" 8) \"mixed\"",
   "(\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 21 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") \"<cid1>\" \"html part\" \"7bit\" 9 0 NIL (\"inline\" (\"filename\" \"a.html\")) (\"en\" \"de\") \"http://x/y\")(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 45 (NIL \"inner\" ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" \"x.y\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)(\"application\" \"octet-stream\" (\"name*\" \"utf-8''%E2%82%AC.bin\") NIL NIL \"base64\" 8 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"XYZ\") NIL NIL NIL",
   833},
  {roost::test::kDoveadmSampleMessages[2],
   "NIL \"no headers much\" NIL NIL NIL NIL NIL NIL NIL NIL",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL",
   28},
  {roost::test::kDoveadmSampleMessages[3],
   "NIL NIL ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL",
   "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0) \"related\")(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"format\" \"flowed\") NIL NIL \"7bit\" 1 0) \"alternative\"",
   "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 NIL NIL NIL NIL) \"related\" (\"boundary\" \"b2\") NIL NIL NIL)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"format\" \"flowed\") NIL NIL \"7bit\" 1 0 \"abc\" NIL NIL NIL) \"alternative\" (\"boundary\" \"b1\") NIL NIL NIL",
   244},
  {roost::test::kDoveadmSampleMessages[4],
   "\"Tue, 1 Nov 2022 23:59:59 -0800\" \"=?utf-8?q?a_b?= =?utf-8?q?c?=\" ((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"x.de\")) ((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"x.de\")) ((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"x.de\")) ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) NIL NIL NIL NIL",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0 NIL NIL NIL NIL",
   172},
  {roost::test::kDoveadmSampleMessages[5],
   "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL",
   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1) \"mixed\"",
   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"zz\") NIL NIL NIL",
   94},
  {roost::test::kDoveadmSampleMessages[6],
   "NIL {10}\r\n"
      "spaced out ((NIL NIL \"foo\" \"MISSING_DOMAIN\")) ((NIL NIL \"foo\" \"MISSING_DOMAIN\")) ((NIL NIL \"foo\" \"MISSING_DOMAIN\")) ((\"Alice A\" NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")(NIL NIL \"e\" \"f\")(\"y\" NIL \"g\" \"h\")) ((\"Q\" \"@r1,@r2\" \"m\" \"d\")(NIL NIL \"bar\" \"MISSING_DOMAIN\")) ((\"=?utf-8?q?x?=\" NIL \"z\" \"z\")(\"broken\" NIL \"a\" \"SYNTAX_ERROR\")) NIL \"<x@y> \"",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL",
   180},
  {roost::test::kDoveadmSampleMessages[7],
   "NIL \"\" ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"a\" \"b\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"g\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL",
   52},
  {roost::test::kDoveadmSampleMessages[8],
   "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL",
   "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 40 (NIL \"digest item\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0) 3)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 15 0) \"digest\"",
   "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 40 (NIL \"digest item\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 15 0 NIL NIL NIL NIL) \"digest\" (\"boundary\" \"d\") NIL NIL NIL",
   173},
  {roost::test::kDoveadmSampleMessages[9],
   "NIL \"crlf\" NIL NIL NIL NIL NIL NIL NIL NIL",
   "\"text\" \"plain\" (\"name\" \"longname.txt\" \"title*\" \"us-ascii%27en%27This%20is%20fun\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1",
   "\"text\" \"plain\" (\"name\" \"longname.txt\" \"title*\" \"us-ascii%27en%27This%20is%20fun\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 NIL NIL NIL NIL",
   142},
  {roost::test::kDoveadmSampleMessages[10],
   "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL",
   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\"",
   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL",
   52},
  {roost::test::kDoveadmSampleMessages[11],
   "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL",
   "\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 7 1",
   "\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 7 1 NIL NIL NIL NIL",
   108},
};

}  // namespace

TEST_CASE("MIME: envelope/body/bodystructure match doveadm", "[mime]") {
  int index = 0;
  for (const auto& c : kCases) {
    ++index;
    INFO("case m" << index);
    std::string_view msg(c.message);
    MimePart root = parse_mime(msg);
    CHECK(imap_envelope(root.header) == c.envelope);
    CHECK(imap_body(root) == c.body);
    CHECK(imap_bodystructure(root) == c.bodystructure);
    CHECK(root.header_virtual_size + root.body_virtual_size == c.virtual_size);
  }
}
