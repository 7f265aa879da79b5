#pragma once
// Names and path rules of a dbox store that sdbox and mdbox share: the
// directory names Dovecot uses and the ALT storage mapping (a file lives
// under the primary root or at the same relative path under the ALT root;
// readers try primary first).
#include <optional>
#include <string>

namespace roost {

constexpr const char* kDboxMailboxesDir = "mailboxes";  // <root>/mailboxes/<name>/
constexpr const char* kDboxMailDir = "dbox-Mails";      // per-mailbox mail + index dir
constexpr const char* kDboxSubscriptionsFile = "subscriptions";
constexpr const char* kDboxAltRootLink = "dbox-alt-root";  // symlink in the root -> ALT path
constexpr const char* kDboxTempPrefix = ".temp.";          // files being written

class DboxAltPaths {
 public:
  DboxAltPaths(std::string primary_root, std::string alt_root);
  bool has_alt() const { return !alt_root_.empty(); }
  const std::string& primary_root() const { return primary_root_; }
  const std::string& alt_root() const { return alt_root_; }
  // The ALT twin of a path under the primary root ("" without ALT, or when
  // `primary_path` isn't under the primary root).
  std::string alt_of(const std::string& primary_path) const;
  // Where the file is now: the primary path if it exists, else its ALT
  // twin if that exists; nullopt when neither does.
  std::optional<std::string> locate(const std::string& primary_path) const;

 private:
  std::string primary_root_;
  std::string alt_root_;
};

// The state of `<root>/dbox-alt-root` against the configured ALT path.
enum class DboxAltLink { kMatches, kMissing, kDiffers, kNoAlt };
DboxAltLink check_dbox_alt_root_link(const std::string& root, const std::string& alt,
                                     std::string* current_target = nullptr);
// Creates (or replaces) the link so it names `alt`, as Dovecot does on
// first use of an ALT path.
void write_dbox_alt_root_link(const std::string& root, const std::string& alt);

// A dbox temp-file name in Dovecot's shape, ".temp.<sec>.P<pid>Q<n>M<usec>.<host>";
// never a
// name a reader takes for a mail file.
std::string dbox_temp_file_name();

}  // namespace roost
