#include "formats/list/attribute_dict_setting.hpp"

#include "formats/list/attribute_dict_file.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {
namespace {

// What a mail_attribute_dict Roost can't use gives: each use fails with the
// setting's error (mail itself stays usable).
class UnusableAttributeStore : public AttributeStore {
 public:
  UnusableAttributeStore(int code, std::string message)
      : code_(code), message_(std::move(message)) {}
  std::vector<MailboxAttribute> list(const Guid128&) override { fail(); }
  bool empty() override { fail(); }
  void set(const Guid128&, const MailboxAttribute&) override { fail(); }
  void mark_synced(const Guid128&, const std::vector<MailboxAttribute>&) override { fail(); }

 private:
  [[noreturn]] void fail() const { throw Error(code_, message_); }
  int code_;
  std::string message_;
};

}  // namespace

std::string attribute_dict_path(const std::string& value, const std::string& home) {
  if (value.empty()) return "";
  auto fail = [&](const std::string& why) -> std::string {
    throw Error(kExitConfig, "mail_attribute_dict = " + value + ": " + why);
  };
  size_t colon = value.find(':');
  if (colon == std::string::npos)
    return fail("not a dict URI; write it as file:<path>, e.g. file:~/dovecot-attributes");
  std::string type = value.substr(0, colon);
  if (type != "file")
    return fail("Roost keeps mailbox attributes only in a \"file\" dict, not \"" + type +
                "\"; use file:<path> (e.g. file:~/dovecot-attributes), or leave the setting "
                "empty for <mail root>/dovecot-attributes");
  std::string path = value.substr(colon + 1);
  if (size_t opt = path.find(':'); opt != std::string::npos)
    return fail("the option \"" + path.substr(opt + 1) +
                "\" isn't supported: Roost locks the file with a dotlock, as Dovecot does "
                "without options; remove it");
  if (path.empty()) return fail("the file dict needs a path, e.g. file:~/dovecot-attributes");
  if (path[0] == '/') return path;
  if (path == "~" || path == "~/")
    return fail(
        "the path names the home directory; name a file in it, e.g. "
        "file:~/dovecot-attributes");
  bool tilde = path.compare(0, 2, "~/") == 0;
  if (home.empty())
    return fail("\"" + path +
                "\" is relative to the user's home, and the user has none; give "
                "an absolute path or set the home (userdb or mail_home)");
  if (tilde) return path_join(home, path.substr(2));
  return path_join(home, path);
}

std::string attribute_dict_file(const std::string& list_dir, const StorageSettings& settings) {
  std::string dict = attribute_dict_path(settings.attribute_dict, settings.home);
  return dict.empty() ? path_join(list_dir, kAttributeDictFile) : dict;
}

std::shared_ptr<AttributeStore> open_attribute_store(const std::string& list_dir,
                                                     const StorageSettings& settings) {
  std::string dict;
  try {
    dict = attribute_dict_file(list_dir, settings);
  } catch (const Error& e) {
    return std::make_shared<UnusableAttributeStore>(e.exit_code(), e.what());
  }
  return std::make_shared<AttributeFileStore>(dict, settings.fsync);
}

}  // namespace roost
