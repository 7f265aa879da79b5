#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "formats/location/store_detection.hpp"
#include "lib/error.hpp"

using namespace roost;

namespace {

// An in-memory tree: directories and files (path -> contents).
struct FakeTree {
  std::set<std::string> dirs;
  std::map<std::string, std::string> files;

  void dir(const std::string& p) {
    for (size_t i = 1; i <= p.size(); ++i)
      if (i == p.size() || p[i] == '/') dirs.insert(p.substr(0, i));
  }
  void file(const std::string& p, const std::string& data = "") {
    dir(p.substr(0, p.rfind('/')));
    files[p] = data;
  }
  FsProbe probe() const {
    FsProbe fs;
    fs.is_dir = [this](const std::string& p) { return dirs.count(p) > 0; };
    fs.is_file = [this](const std::string& p) { return files.count(p) > 0; };
    fs.list_dir = [this](const std::string& p) {
      std::vector<std::string> out;
      auto child = [&](const std::string& q) {
        if (q.size() > p.size() + 1 && q.compare(0, p.size() + 1, p + "/") == 0 &&
            q.find('/', p.size() + 1) == std::string::npos)
          out.push_back(q.substr(p.size() + 1));
      };
      for (const auto& d : dirs) child(d);
      for (const auto& [f, data] : files) child(f);
      return out;
    };
    fs.read_head = [this](const std::string& p, size_t n) {
      auto it = files.find(p);
      return it == files.end() ? std::string() : it->second.substr(0, n);
    };
    return fs;
  }
};

int code_of(const std::string& root, const FsProbe& fs, std::string* msg = nullptr) {
  try {
    detect_store_format(root, fs);
  } catch (const Error& e) {
    if (msg) *msg = e.what();
    return e.exit_code();
  }
  return 0;
}

}  // namespace

TEST_CASE("store detection: one signature per format", "[location][auto]") {
  SECTION("maildir cur/new/tmp") {
    FakeTree t;
    t.dir("/s/cur");
    t.dir("/s/new");
    CHECK(detect_store_format("/s", t.probe()) == "maildir");
  }
  SECTION("maildir++ folders only") {
    FakeTree t;
    t.dir("/s/.Sent/cur");
    t.dir("/s/.imapish");  // a dot dir without cur/new isn't a folder
    CHECK(detect_store_format("/s", t.probe()) == "maildir");
  }
  SECTION("mbox by .imap, inbox, or a From_ file") {
    FakeTree a;
    a.dir("/s/.imap");
    CHECK(detect_store_format("/s", a.probe()) == "mbox");
    FakeTree b;
    b.file("/s/inbox", "");
    CHECK(detect_store_format("/s", b.probe()) == "mbox");
    FakeTree c;
    c.file("/s/Archive", "From someone@example.org Sat Jan  1 00:00:00 2022\nSubject: x\n");
    c.file("/s/notes.txt", "hello");
    CHECK(detect_store_format("/s", c.probe()) == "mbox");
  }
  SECTION("sdbox by u.N files") {
    FakeTree t;
    t.file("/s/mailboxes/INBOX/dbox-Mails/u.1");
    t.file("/s/mailboxes/INBOX/dbox-Mails/dovecot.index");
    auto sig = store_signatures("/s", t.probe());
    REQUIRE(sig.size() == 1);
    CHECK(sig[0].format == "sdbox");
    CHECK(sig[0].why == "mailboxes/INBOX/dbox-Mails/u.1");
  }
  SECTION("sdbox nested mailbox") {
    FakeTree t;
    t.file("/s/mailboxes/A/B/dbox-Mails/u.7");
    CHECK(detect_store_format("/s", t.probe()) == "sdbox");
  }
  SECTION("mdbox by storage/m.N, also with mailboxes/") {
    FakeTree t;
    t.file("/s/storage/m.1");
    t.file("/s/storage/dovecot.map.index.log");
    t.file("/s/mailboxes/INBOX/dbox-Mails/dovecot.index.log");
    auto sig = store_signatures("/s", t.probe());
    REQUIRE(sig.size() == 1);
    CHECK(sig[0].format == "mdbox");
  }
}

TEST_CASE("store detection: nothing, several, or a file", "[location][auto]") {
  FakeTree empty;
  empty.dir("/s");
  std::string msg;
  CHECK(code_of("/s", empty.probe(), &msg) == kExitNotFound);
  CHECK_THAT(msg, Catch::Contains("no mail store found") && Catch::Contains("maildir:/s"));
  CHECK(code_of("/missing", empty.probe()) == kExitNotFound);

  FakeTree mixed;
  mixed.dir("/s/cur");
  mixed.file("/s/storage/m.3");
  CHECK(code_of("/s", mixed.probe(), &msg) == kExitDataErr);
  CHECK_THAT(msg, Catch::Contains("mdbox (storage/m.3)") && Catch::Contains("maildir (cur/)"));

  FakeTree file;
  file.file("/var/mail/u", "From x\n");
  CHECK(code_of("/var/mail/u", file.probe(), &msg) == kExitUsage);
  CHECK_THAT(msg, Catch::Contains("INBOX=/var/mail/u"));
}

TEST_CASE("store detection: stores written by Dovecot 2.3", "[location][auto]") {
  std::string fx = std::string(ROOST_SOURCE_DIR) + "/fixtures";
  FsProbe fs = real_fs_probe();
  CHECK(detect_store_format(fx + "/maildir/dovecot-2.3/store/Maildir", fs) == "maildir");
  CHECK(detect_store_format(fx + "/mbox/store/mail", fs) == "mbox");
  CHECK(detect_store_format(fx + "/dbox/sdbox/store/sdbox", fs) == "sdbox");
  CHECK(detect_store_format(fx + "/dbox/sdbox/store/sdbox-alt", fs) == "sdbox");
  CHECK(detect_store_format(fx + "/dbox/mdbox/store/mdbox", fs) == "mdbox");
  CHECK(detect_store_format(fx + "/dbox/mdbox/store/mdbox-alt", fs) == "mdbox");
  std::string msg;
  CHECK(code_of(fx + "/dbox", fs, &msg) == kExitNotFound);
}
