// StoreVerifier through the model: identical copies, each kind of
// difference, the options, and two different drivers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "../maildir/maildir_test_util.hpp"
#include "formats/builtin_drivers.hpp"
#include "formats/verify/store_verifier.hpp"

using namespace roost;
using roost::test::TempDir;

namespace {

std::string message(int n, bool crlf = false) {
  std::string nl = crlf ? "\r\n" : "\n";
  return "From: a@example.com" + nl + "Subject: message " + std::to_string(n) + nl +
         "Message-ID: <m" + std::to_string(n) + "@example.com>" + nl + nl + "body " +
         std::to_string(n) + nl;
}

uint32_t save(MailStorage& st, const std::string& box, const std::string& text,
              const std::string& flags = "", uint32_t uid = 0, const std::string& guid = "") {
  auto mb = st.open_mailbox(box);
  auto tx = mb->begin();
  std::istringstream in(text);
  SaveRequest req;
  req.flags = parse_flag_list(flags);
  req.uid = uid;
  req.guid = guid;
  uint32_t got = tx->save(in, req);
  tx->commit();
  return got;
}

// A small store: INBOX with 3 messages, Archive/2024 with 2, subscriptions.
void fill(MailStorage& st) {
  st.create_mailbox("Archive");
  st.create_mailbox("Archive/2024");
  save(st, "INBOX", message(1), "\\Seen");
  save(st, "INBOX", message(2), "\\Flagged $Work");
  save(st, "INBOX", message(3));
  save(st, "Archive/2024", message(4), "\\Seen \\Answered");
  save(st, "Archive/2024", message(5));
  st.set_subscribed("INBOX", true);
  st.set_subscribed("Archive/2024", true);
}

void change_flags(MailStorage& st, uint32_t uid, FlagOp op, const std::string& flags) {
  auto box = st.open_mailbox("INBOX");
  auto tx = box->begin();
  tx->update_flags(uid, op, parse_flag_list(flags));
  tx->commit();
}

void copy_tree(const std::string& from, const std::string& to) {
  REQUIRE(std::system(("rm -rf '" + to + "' && cp -a '" + from + "' '" + to + "'").c_str()) == 0);
}

VerifyReport verify(MailStorage& a, MailStorage& b, VerifyOptions opt = {}) {
  return StoreVerifier(a, b, std::move(opt)).run();
}

std::vector<std::string> kinds(const VerifyReport& r) {
  std::vector<std::string> out;
  for (const auto& d : r.differences) out.push_back(difference_kind_name(d.kind));
  return out;
}

struct Pair {
  TempDir dir;
  std::string a = dir.path + "/a", b = dir.path + "/b";
  Pair() {
    auto st = test::open_maildir(a);
    fill(*st);
    copy_tree(a, b);
  }
  std::unique_ptr<MailStorage> A() { return test::open_maildir(a); }
  std::unique_ptr<MailStorage> B() { return test::open_maildir(b); }
};

}  // namespace

TEST_CASE("identical copies verify clean", "[verify]") {
  Pair p;
  auto a = p.A(), b = p.B();
  VerifyReport r = verify(*a, *b);
  CHECK(r.identical());
  CHECK(r.differences.empty());
  CHECK(r.messages_compared == 5);
  CHECK(r.bodies_compared == 5);
  CHECK(r.bytes_hashed > 0);
  CHECK(r.message_guids_compared);
  REQUIRE(r.mailboxes.size() == 3);  // INBOX first, then Archive, Archive/2024
  CHECK(r.mailboxes[0].name == "INBOX");
  CHECK(r.mailboxes[0].messages_a == 3);
  CHECK(r.mailboxes[0].guid_a == r.mailboxes[0].guid_b);
}

TEST_CASE("each kind of difference is named once", "[verify]") {
  Pair p;
  auto b = p.B();
  SECTION("flag changed (\\Recent never counts)") {
    change_flags(*b, 1, FlagOp::kAdd, "\\Answered");
    auto a = p.A();
    VerifyReport r = verify(*a, *b);
    REQUIRE(kinds(r) == std::vector<std::string>{"flags"});
    CHECK(r.differences[0].uid == 1);
    CHECK(r.differences[0].a == "\\Seen");
    CHECK(r.differences[0].b == "\\Answered \\Seen");
    VerifyOptions no_flags;
    no_flags.flags = false;
    CHECK(verify(*a, *b, no_flags).identical());
  }
  SECTION("keyword changed") {
    change_flags(*b, 2, FlagOp::kRemove, "$Work");
    auto a = p.A();
    VerifyReport r = verify(*a, *b);
    REQUIRE(kinds(r) == std::vector<std::string>{"keywords"});
    CHECK(r.differences[0].a == "$Work");
    CHECK(r.differences[0].b == "");
  }
  SECTION("message missing and message extra") {
    {
      auto box = b->open_mailbox("INBOX");
      auto tx = box->begin();
      tx->expunge(3);
      tx->commit();
    }
    save(*b, "Archive/2024", message(6));
    auto a = p.A();
    VerifyReport r = verify(*a, *b);
    auto k = kinds(r);
    std::sort(k.begin(), k.end());
    REQUIRE(k == std::vector<std::string>{"message-only-a", "message-only-b"});
    for (const auto& d : r.differences) {
      if (d.kind == DifferenceKind::kMessageOnlyA) {
        CHECK(d.mailbox == "INBOX");
        CHECK(d.uid == 3);
      } else {
        CHECK(d.mailbox == "Archive/2024");
        CHECK(d.uid == 3);
      }
    }
  }
  SECTION("same message under another UID") {
    auto box = b->open_mailbox("INBOX");
    std::string guid = box->messages()[1].guid;
    {
      auto tx = box->begin();
      tx->expunge(2);
      tx->commit();
    }
    uint32_t uid = save(*b, "INBOX", message(2), "\\Flagged $Work", 0, guid);
    auto a = p.A();
    VerifyReport r = verify(*a, *b);
    REQUIRE(kinds(r) == std::vector<std::string>{"uid"});
    CHECK(r.differences[0].uid == 2);
    CHECK(r.differences[0].uid_b == uid);
    CHECK(r.differences[0].guid == guid);
  }
  SECTION("mailbox and subscription only on one side") {
    b->delete_mailbox("Archive/2024");
    b->set_subscribed("Archive/2024", false);
    b->set_subscribed("Archive", true);
    auto a = p.A();
    VerifyReport r = verify(*a, *b);
    auto k = kinds(r);
    std::sort(k.begin(), k.end());
    REQUIRE(k == std::vector<std::string>{"mailbox-only-a", "subscription-only-a",
                                          "subscription-only-b"});
    VerifyOptions only_inbox;
    only_inbox.mailbox_patterns = {"INBOX"};
    VerifyReport ri = verify(*a, *b, only_inbox);
    CHECK(ri.identical());
    CHECK(ri.mailboxes.size() == 1);
  }
}

TEST_CASE("the listed differences are bounded, the count is not", "[verify]") {
  Pair p;
  auto b = p.B();
  auto box = b->open_mailbox("INBOX");
  auto tx = box->begin();
  for (uint32_t uid = 1; uid <= 3; ++uid)
    tx->update_flags(uid, FlagOp::kAdd, parse_flag_list("\\Deleted"));
  tx->commit();
  auto a = p.A();
  VerifyOptions opt;
  opt.max_listed = 2;
  VerifyReport r = verify(*a, *b, opt);
  CHECK(r.total_differences == 3);
  CHECK(r.differences.size() == 2);
  CHECK(r.mailboxes[0].differences == 3);
}

TEST_CASE("metadata-only verify reads no message body", "[verify]") {
  Pair p;
  // Warm both indexes, then make every mail file unreadable by removing
  // them: a metadata pass must still succeed, a body pass must report them.
  {
    auto a = p.A(), b = p.B();
    REQUIRE(verify(*a, *b).identical());
  }
  REQUIRE(std::system(("find '" + p.b +
                       "' -path '*/cur/*' -type f -exec sh -c ': > \"$1\"' _ {} \\; ;"
                       " find '" +
                       p.b + "' -path '*/new/*' -type f -exec sh -c ': > \"$1\"' _ {} \\;")
                          .c_str()) == 0);
  auto a = p.A(), b = p.B();
  VerifyOptions meta;
  meta.bodies = false;
  VerifyReport rm = verify(*a, *b, meta);
  CHECK(rm.identical());
  CHECK(rm.bodies_compared == 0);
  CHECK(rm.bytes_hashed == 0);
  VerifyReport rb = verify(*a, *b);
  CHECK(rb.total_differences == 5);
  for (const auto& d : rb.differences) CHECK(d.kind == DifferenceKind::kBody);
}

TEST_CASE("a Maildir store and an mbox store with the same mail", "[verify]") {
  register_builtin_storage_drivers();
  TempDir dir;
  auto a = test::open_maildir(dir.path + "/maildir");
  MailLocation loc;
  loc.format = "mbox";
  loc.root = dir.path + "/mbox";
  loc.inbox = dir.path + "/mbox/inbox";
  StorageSettings settings;
  settings.separator = '/';
  settings.fsync = false;
  REQUIRE(std::system(("mkdir -p '" + loc.root + "'").c_str()) == 0);
  auto b = open_storage(loc, settings);
  CHECK_FALSE(b->open_mailbox("INBOX")->can_save_guid());
  for (int n = 1; n <= 4; ++n) {
    // The Maildir copy keeps CRLF, mbox gets LF: the same mail to IMAP.
    save(*a, "INBOX", message(n, n % 2 == 0), n == 1 ? "\\Seen" : "", static_cast<uint32_t>(n));
    save(*b, "INBOX", message(n), n == 1 ? "\\Seen" : "", static_cast<uint32_t>(n));
  }
  VerifyOptions opt;
  opt.mailbox_guids = false;  // created independently here
  VerifyReport r = verify(*a, *b, opt);
  CHECK_FALSE(r.message_guids_compared);
  CHECK(r.bodies_compared == 4);
  // At most the UIDVALIDITY differs (each store picked its own, usually
  // from the clock, so the two may even agree).
  for (const auto& k : kinds(r)) CHECK(k == "uidvalidity");
  CHECK(r.total_differences <= 1);
}

TEST_CASE("verifying against a directory that holds no store creates nothing", "[verify]") {
  Pair p;
  TempDir empty;
  auto a = p.A();
  auto b = test::open_maildir(empty.path);
  VerifyReport r = verify(*a, *b);
  auto k = kinds(r);
  CHECK(std::count(k.begin(), k.end(), "mailbox-only-a") == 3);  // INBOX, Archive, Archive/2024
  CHECK(std::system(("test -z \"$(ls -A '" + empty.path + "')\"").c_str()) == 0);
}
