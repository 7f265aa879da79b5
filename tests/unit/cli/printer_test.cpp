#include <catch2/catch.hpp>
#include <sstream>

#include "cli/print/printer.hpp"

using namespace roost::cli;

namespace {
// The rows of `doveadm mailbox status 'messages uidnext vsize' '*'`, as
// printed by real doveadm 2.3.19 in every formatter.
std::string status_rows(const std::string& fmt) {
  std::ostringstream out;
  auto p = make_printer(fmt, out, 80);
  p->add_header("mailbox", "mailbox", kHeaderHideTitle);
  p->add_header("messages");
  p->add_header("uidnext");
  p->add_header("vsize");
  for (auto row : {std::vector<std::string>{"Entwürfe", "0", "1", "0"},
                   {"Sub/Child", "0", "1", "0"},
                   {"INBOX", "2", "3", "65"}})
    for (auto& v : row) p->print(v);
  p->flush();
  return out.str();
}
}  // namespace

TEST_CASE("formatters print mailbox status like doveadm", "[cli][printer]") {
  CHECK(status_rows("flow") ==
        "Entwürfe messages=0 uidnext=1 vsize=0\n"
        "Sub/Child messages=0 uidnext=1 vsize=0\n"
        "INBOX messages=2 uidnext=3 vsize=65\n");
  CHECK(status_rows("tab") ==
        "mailbox\tmessages\tuidnext\tvsize\n"
        "Entwürfe\t0\t1\t0\nSub/Child\t0\t1\t0\nINBOX\t2\t3\t65\n");
  CHECK(status_rows("table") ==
        "mailbox   messages uidnext vsize                        \n"
        "Entwürfe  0        1       0                            \n"
        "Sub/Child 0        1       0                            \n"
        "INBOX     2        3       65                           \n");
  CHECK(status_rows("pager") ==
        "Entwürfe\nmessages: 0\nuidnext: 1\nvsize: 0\n\f\n"
        "Sub/Child\nmessages: 0\nuidnext: 1\nvsize: 0\n\f\n"
        "INBOX\nmessages: 2\nuidnext: 3\nvsize: 65\n");
  CHECK(status_rows("json") ==
        R"([{"mailbox":"Entwürfe","messages":"0","uidnext":"1","vsize":"0"},)"
        R"({"mailbox":"Sub/Child","messages":"0","uidnext":"1","vsize":"0"},)"
        R"({"mailbox":"INBOX","messages":"2","uidnext":"3","vsize":"65"}])");
}

TEST_CASE("streamed values print like doveadm fetch hdr", "[cli][printer]") {
  auto run = [](const std::string& fmt) {
    std::ostringstream out;
    auto p = make_printer(fmt, out, 80);
    p->add_header("uid");
    p->add_header("hdr");
    for (auto [uid, subj] : {std::pair{"1", "hi"}, {"2", "two"}}) {
      p->print(uid);
      p->print_chunk("From: a@b\n");
      p->print_chunk(std::string("Subject: ") + subj + "\n\n");
      p->end_stream();
    }
    p->flush();
    return out.str();
  };
  CHECK(run("flow") == "uid=1 hdr=From: a@b\nSubject: hi\n\n\nuid=2 hdr=From: a@b\nSubject: two\n\n\n");
  CHECK(run("tab") == "uid\thdr\n1\tFrom: a@b\nSubject: hi\n\n\t\n2\tFrom: a@b\nSubject: two\n\n\t\n");
  CHECK(run("pager") ==
        "uid: 1\nhdr:\nFrom: a@b\nSubject: hi\n\n\f\nuid: 2\nhdr:\nFrom: a@b\nSubject: two\n\n");
  CHECK(run("json") ==
        R"([{"uid":"1","hdr":"From: a@b\nSubject: hi\n\n"},{"uid":"2","hdr":"From: a@b\nSubject: two\n\n"}])");
  CHECK_THROWS(run("table"));
}

TEST_CASE("sticky columns repeat on every row", "[cli][printer]") {
  std::ostringstream out;
  auto p = make_printer("tab", out, 80);
  p->add_header("username", "Username", kHeaderSticky | kHeaderHideTitle);
  p->add_header("uid");
  p->set_sticky("username", "u1");
  p->print("1");
  p->print("2");
  p->set_sticky("username", "u2");
  p->print("7");
  p->flush();
  CHECK(out.str() == "Username\tuid\nu1\t1\nu1\t2\nu2\t7\n");
}

TEST_CASE("empty json output is an empty array", "[cli][printer]") {
  std::ostringstream out;
  auto p = make_printer("json", out, 80);
  p->add_header("uid");
  p->flush();
  CHECK(out.str() == "[]");
  CHECK_THROWS(make_printer("xml", out));
}
