#pragma once
// `auto:` for a given path: which format an existing store has, told from
// file-system signatures only (no driver is included or opened).
#include <functional>
#include <string>
#include <vector>

namespace roost {

// The file-system questions detection asks, injected so tests can use
// synthetic trees.
struct FsProbe {
  std::function<bool(const std::string&)> is_dir;
  std::function<bool(const std::string&)> is_file;
  std::function<std::vector<std::string>(const std::string&)> list_dir;  // names; none if missing
  // Up to `n` first bytes of a regular file ("" if unreadable).
  std::function<std::string(const std::string&, size_t)> read_head;
};

// The real file system.
FsProbe real_fs_probe();

struct StoreSignature {
  std::string format;  // "mdbox", "sdbox", "maildir", "mbox"
  std::string why;     // what was seen, for messages ("storage/m.1")
};

// Every format whose signature `root` shows:
//   mdbox   storage/ holding m.<N> files or dovecot.map.index (Dovecot: storage/)
//   sdbox   mailboxes/<name>/dbox-Mails/ holding u.<N> files, or mailboxes/
//           without storage/
//   maildir cur/, new/ or tmp/, dovecot-uidlist, or Maildir++ .<name>/ folders
//           with cur/ or new/
//   mbox    .imap/, an `inbox` or `mbox` file, or a top-level file starting
//           with "From "
std::vector<StoreSignature> store_signatures(const std::string& root, const FsProbe& fs);

// The one format of the store at `root`. Throws Error(kExitNotFound) when
// nothing matches (a missing or empty directory) and Error(kExitDataErr)
// when signatures of several formats are there, naming what was seen and
// how to say the format explicitly; Error(kExitUsage) when `root` is a
// file (an mbox INBOX file needs mbox:<dir>:INBOX=<file>).
std::string detect_store_format(const std::string& root, const FsProbe& fs);

}  // namespace roost
