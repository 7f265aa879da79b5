#include "formats/mime/imap_bodystructure.hpp"

#include <catch2/catch.hpp>

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
  {"From: Alice <a@example.com>\r\n"
      "To: bob@example.org, \"Carol, C.\" <carol@example.net>\r\n"
      "Cc: undisclosed-recipients:;\r\n"
      "Subject: =?UTF-8?B?SGVsbG8gd8O2cmxk?=\r\n"
      "Date: Mon, 3 Apr 2023 10:00:00 +0200\r\n"
      "Message-ID: <id1@example.com>\r\n"
      "In-Reply-To: <id0@example.com>\r\n"
      "\r\n"
      "body text here\r\n"
      "second line\r\n"
      "",
   "\"Mon, 3 Apr 2023 10:00:00 +0200\" \"=?UTF-8?B?SGVsbG8gd8O2cmxk?=\" ((\"Alice\" NIL \"a\" \"example.com\")) ((\"Alice\" NIL \"a\" \"example.com\")) ((\"Alice\" NIL \"a\" \"example.com\")) ((NIL NIL \"bob\" \"example.org\")(\"Carol, C.\" NIL \"carol\" \"example.net\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL \"<id0@example.com>\" \"<id1@example.com>\"",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 29 2",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 29 2 NIL NIL NIL NIL",
   284},
  {"From: \"Bob \\\"The\\\" Builder\" <bob@x.org> (comment)\n"
      "Reply-To: team: a@b.c, d@e.f;, solo@x.y\n"
      "Sender: s@x.y\n"
      "To: <@route.example:user@host.example>\n"
      "Subject: multipart\n"
      "  folded   subject\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"XYZ\"\n"
      "\n"
      "preamble\n"
      "--XYZ\n"
      "Content-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Caf=E9 au lait=\n"
      "soft\n"
      "--XYZ\n"
      "Content-Type: text/html; charset=\"utf-8\"\n"
      "Content-ID: <cid1>\n"
      "Content-Description: html part\n"
      "Content-Disposition: inline; filename=\"a.html\"\n"
      "Content-Language: en, de\n"
      "Content-Location: http://x/y\n"
      "\n"
      "<b>hi</b>\n"
      "--XYZ\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: inner@x.y\n"
      "Subject: inner\n"
      "\n"
      "inner body\n"
      "--XYZ\n"
      "Content-Type: application/octet-stream; name*=utf-8''%E2%82%AC.bin\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "AAECAwQ=\n"
      "--XYZ--\n"
      "epilogue\n"
      "",
   "NIL {24}\r\n"
      "multipart folded subject (({17}\r\n"
      "Bob \"The\" Builder NIL \"bob\" \"x.org\")) ((NIL NIL \"s\" \"x.y\")) ((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"b.c\")(NIL NIL \"d\" \"e.f\")(NIL NIL NIL NIL)(NIL NIL \"solo\" \"x.y\")) ((NIL \"@route.example\" \"user\" \"host.example\")) NIL NIL NIL NIL",
   "(\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 21 1)(\"text\" \"html\" (\"charset\" \"utf-8\") \"<cid1>\" \"html part\" \"7bit\" 9 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 45 (NIL \"inner\" ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" \"x.y\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0) 3)(\"application\" \"octet-stream\" (\"name*\" \"utf-8''%E2%82%AC.bin\") NIL NIL \"base64\" 8) \"mixed\"",
   "(\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printable\" 21 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") \"<cid1>\" \"html part\" \"7bit\" 9 0 NIL (\"inline\" (\"filename\" \"a.html\")) (\"en\" \"de\") \"http://x/y\")(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 45 (NIL \"inner\" ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" \"x.y\")) ((NIL NIL \"inner\" \"x.y\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)(\"application\" \"octet-stream\" (\"name*\" \"utf-8''%E2%82%AC.bin\") NIL NIL \"base64\" 8 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"XYZ\") NIL NIL NIL",
   833},
  {"Subject: no headers much\n"
      "\n"
      "",
   "NIL \"no headers much\" NIL NIL NIL NIL NIL NIL NIL NIL",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL",
   28},
  {"From: x@y\n"
      "Content-Type: multipart/alternative; boundary=b1\n"
      "\n"
      "--b1\n"
      "Content-Type: multipart/related; boundary=b2\n"
      "\n"
      "--b2\n"
      "\n"
      "plain default\n"
      "--b2--\n"
      "--b1\n"
      "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; format=flowed\n"
      "Content-MD5: abc\n"
      "\n"
      "x\n"
      "--b1--\n"
      "",
   "NIL NIL ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL",
   "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0) \"related\")(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"format\" \"flowed\") NIL NIL \"7bit\" 1 0) \"alternative\"",
   "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 NIL NIL NIL NIL) \"related\" (\"boundary\" \"b2\") NIL NIL NIL)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"format\" \"flowed\") NIL NIL \"7bit\" 1 0 \"abc\" NIL NIL NIL) \"alternative\" (\"boundary\" \"b1\") NIL NIL NIL",
   244},
  {"Date: Tue, 1 Nov 2022 23:59:59 -0800\n"
      "From: =?iso-8859-1?q?J=F6rg?= <j@x.de>\n"
      "To: a@b, c@d\n"
      "Subject: =?utf-8?q?a_b?= =?utf-8?q?c?=\n"
      "Content-Type: text/plain\n"
      "\n"
      "unterminated",
   "\"Tue, 1 Nov 2022 23:59:59 -0800\" \"=?utf-8?q?a_b?= =?utf-8?q?c?=\" ((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"x.de\")) ((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"x.de\")) ((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"x.de\")) ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) NIL NIL NIL NIL",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0 NIL NIL NIL NIL",
   172},
  {"Content-Type: multipart/mixed; boundary=zz\n"
      "\n"
      "--zz\n"
      "Content-Type: text/plain\n"
      "\n"
      "never closed\n"
      "",
   "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL",
   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1) \"mixed\"",
   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"zz\") NIL NIL NIL",
   94},
  {"From: foo\n"
      "To: a@b (Alice A), <c@d>, \"\" <e@f>, g@h (x) (y)\n"
      "Cc: \"Q\" <@r1,@r2:m@d>, bar@\n"
      "Bcc: =?utf-8?q?x?= <z@z>, broken <a@b\n"
      "Subject:   spaced\t  out  \n"
      "Message-ID:   <x@y> \n"
      "\n"
      "b",
   "NIL {10}\r\n"
      "spaced out ((NIL NIL \"foo\" \"MISSING_DOMAIN\")) ((NIL NIL \"foo\" \"MISSING_DOMAIN\")) ((NIL NIL \"foo\" \"MISSING_DOMAIN\")) ((\"Alice A\" NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")(NIL NIL \"e\" \"f\")(\"y\" NIL \"g\" \"h\")) ((\"Q\" \"@r1,@r2\" \"m\" \"d\")(NIL NIL \"bar\" \"MISSING_DOMAIN\")) ((\"=?utf-8?q?x?=\" NIL \"z\" \"z\")(\"broken\" NIL \"a\" \"SYNTAX_ERROR\")) NIL \"<x@y> \"",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL",
   180},
  {"From: <>\n"
      "To: ,,a@b,,\n"
      "Cc: g: ;\n"
      "Subject: \n"
      "X: y\n"
      "\n"
      "",
   "NIL \"\" ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"a\" \"b\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"g\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0",
   "\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL",
   52},
  {"Content-Type: multipart/digest; boundary=\"d\"\n"
      "MIME-Version: 1.0\n"
      "\n"
      "--d\n"
      "\n"
      "From: a@b\n"
      "Subject: digest item\n"
      "\n"
      "hello\n"
      "--d\n"
      "Content-Type: text/plain\n"
      "\n"
      "plain in digest\n"
      "--d--\n"
      "",
   "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL",
   "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 40 (NIL \"digest item\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0) 3)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 15 0) \"digest\"",
   "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 40 (NIL \"digest item\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 15 0 NIL NIL NIL NIL) \"digest\" (\"boundary\" \"d\") NIL NIL NIL",
   173},
  {"Subject: crlf\r\n"
      "Content-Type: text/plain; name*0=\"long\"; name*1=\"name.txt\"; title*0*=us-ascii%27en%27This%20is; title*1*=%20fun\r\n"
      "\r\n"
      "line1\r\n"
      "line2",
   "NIL \"crlf\" NIL NIL NIL NIL NIL NIL NIL NIL",
   "\"text\" \"plain\" (\"name\" \"longname.txt\" \"title*\" \"us-ascii%27en%27This%20is%20fun\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1",
   "\"text\" \"plain\" (\"name\" \"longname.txt\" \"title*\" \"us-ascii%27en%27This%20is%20fun\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 NIL NIL NIL NIL",
   142},
  {"Content-Type: multipart/mixed\n"
      "\n"
      "no boundary param\n"
      "",
   "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL",
   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\"",
   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL",
   52},
  {"Content-Type: text/plain; charset=utf-8\n"
      "Content-Type: text/html\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "\xc3""\xa9""t\xc3""\xa9""\n"
      "",
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
