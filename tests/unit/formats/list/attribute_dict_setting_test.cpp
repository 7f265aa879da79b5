// mail_attribute_dict: file:<path> with ~ and relative paths from the home,
// the default when empty, a clear error for what Roost can't use.
#include <sstream>

#include <catch2/catch.hpp>

#include "formats/builtin_drivers.hpp"
#include "formats/list/attribute_dict_file.hpp"
#include "formats/list/attribute_dict_setting.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "formats/model/storage.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"
#include "tests/unit/temp_dir.hpp"

namespace roost {
namespace {

int config_error_of(const std::string& value, const std::string& home, std::string& message) {
  try {
    attribute_dict_path(value, home);
  } catch (const Error& e) {
    message = e.what();
    return e.exit_code();
  }
  return 0;
}

MailboxAttribute comment(const std::string& value) {
  MailboxAttribute a;
  a.key = "comment";
  a.value = value;
  return a;
}

}  // namespace

TEST_CASE("mail_attribute_dict: file paths as Dovecot resolves them", "[list][attributes]") {
  CHECK(attribute_dict_path("", "/home/u") == "");
  CHECK(attribute_dict_path("file:/var/attr/u.dict", "/home/u") == "/var/attr/u.dict");
  CHECK(attribute_dict_path("file:/var/attr/u.dict", "") == "/var/attr/u.dict");
  CHECK(attribute_dict_path("file:~/Maildir/dovecot-attributes", "/home/u") ==
        "/home/u/Maildir/dovecot-attributes");
  CHECK(attribute_dict_path("file:attrs/dict", "/home/u") == "/home/u/attrs/dict");

  StorageSettings s;
  CHECK(attribute_dict_file("/mail/u", s) == "/mail/u/dovecot-attributes");
  s.attribute_dict = "file:~/a.dict";
  s.home = "/home/u";
  CHECK(attribute_dict_file("/mail/u", s) == "/home/u/a.dict");
}

TEST_CASE("mail_attribute_dict: what Roost can't use names the setting", "[list][attributes]") {
  std::string msg;
  CHECK(config_error_of("redis:host=127.0.0.1:port=6379", "/home/u", msg) == kExitConfig);
  CHECK_THAT(msg, Catch::Contains("mail_attribute_dict") && Catch::Contains("redis") &&
                      Catch::Contains("file:"));
  CHECK(config_error_of("proxy::attrs", "/home/u", msg) == kExitConfig);
  CHECK_THAT(msg, Catch::Contains("mail_attribute_dict") && Catch::Contains("proxy"));
  CHECK(config_error_of("file:/var/attr/dict:lock=fcntl", "/home/u", msg) == kExitConfig);
  CHECK_THAT(msg, Catch::Contains("mail_attribute_dict") && Catch::Contains("lock=fcntl"));
  CHECK(config_error_of("/var/attr/dict", "/home/u", msg) == kExitConfig);
  CHECK_THAT(msg, Catch::Contains("mail_attribute_dict") && Catch::Contains("file:<path>"));
  CHECK(config_error_of("file:", "/home/u", msg) == kExitConfig);
  CHECK(config_error_of("file:~", "/home/u", msg) == kExitConfig);
  CHECK(config_error_of("file:~/dict", "", msg) == kExitConfig);
  CHECK_THAT(msg, Catch::Contains("home"));
  CHECK(config_error_of("file:dict", "", msg) == kExitConfig);
}

TEST_CASE("mail_attribute_dict: the side file sits beside the dict", "[list][attributes]") {
  CHECK(AttributeFileStore::changes_path_for("/m/dovecot-attributes") == "/m/roost-attributes");
  CHECK(AttributeFileStore::changes_path_for("/var/attr/u1.dict") == "/var/attr/u1.dict.roost");
}

TEST_CASE("mail_attribute_dict: a storage keeps attributes where the setting says",
          "[list][attributes][maildir]") {
  register_builtin_storage_drivers();
  test::TempDir tmp("roost-attr-dict");
  std::string home = path_join(tmp.path, "home"), root = path_join(tmp.path, "mail");
  make_dirs(home);
  MailLocation loc;
  loc.format = "maildir";
  loc.root = root;
  StorageSettings s;
  s.fsync = false;
  s.attribute_dict = "file:~/attrs/u1.dict";
  s.home = home;
  auto storage = open_storage(loc, s);
  storage->create_mailbox("Work");
  storage->open_mailbox("Work")->set_attribute(comment("elsewhere"));
  std::string dict = path_join(home, "attrs/u1.dict");
  REQUIRE(path_exists(dict));
  CHECK(path_exists(dict + ".roost"));
  CHECK(!path_exists(path_join(root, kAttributeDictFile)));
  AttributeDict d = parse_attribute_dict(read_file(dict));
  Guid128 guid = storage->open_mailbox("Work")->status().guid;
  CHECK(d[attribute_dict_key(AttributeType::kPrivate, guid, "comment")] == "elsewhere");

  // Another storage with the default keeps its own file in its root.
  MailLocation other_loc = loc;
  other_loc.root = path_join(tmp.path, "other");
  StorageSettings plain;
  plain.fsync = false;
  auto other = open_storage(other_loc, plain);
  other->create_mailbox("Work");
  CHECK(other->open_mailbox("Work")->attributes().empty());
  other->open_mailbox("Work")->set_attribute(comment("default place"));
  CHECK(path_exists(path_join(other_loc.root, kAttributeDictFile)));

  // Deleting the mailbox drops its attributes from the configured dict.
  storage->delete_mailbox("Work");
  CHECK(parse_attribute_dict(read_file(dict)).empty());
}

TEST_CASE("mail_attribute_dict: an unusable setting fails attribute use, not mail",
          "[list][attributes][maildir]") {
  register_builtin_storage_drivers();
  test::TempDir tmp("roost-attr-dict");
  MailLocation loc;
  loc.format = "maildir";
  loc.root = tmp.path;
  StorageSettings s;
  s.fsync = false;
  s.attribute_dict = "redis:host=127.0.0.1";
  s.home = tmp.path;
  auto storage = open_storage(loc, s);
  storage->create_mailbox("Work");
  auto box = storage->open_mailbox("Work");
  auto tx = box->begin();
  std::istringstream msg("Subject: s\n\nbody\n");
  tx->save(msg, {});
  tx->commit();
  CHECK(box->status().messages == 1);
  try {
    box->attributes();
    FAIL("attributes() with a redis dict didn't throw");
  } catch (const Error& e) {
    CHECK(e.exit_code() == kExitConfig);
    CHECK_THAT(std::string(e.what()), Catch::Contains("mail_attribute_dict"));
  }
  CHECK_THROWS_AS(box->set_attribute(comment("x")), Error);
  // Deleting a mailbox still works (its attributes stay where they are).
  storage->delete_mailbox("Work");
  CHECK(!storage->mailbox_exists("Work"));
}

}  // namespace roost
