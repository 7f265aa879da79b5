#include "formats/location/store_detection.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

bool has_prefix(const std::string& s, std::string_view p) {
  return s.compare(0, p.size(), p) == 0;
}

// "m.12" / "u.3": a dbox mail file name.
bool is_numbered(const std::string& name, char kind) {
  if (name.size() < 3 || name[0] != kind || name[1] != '.') return false;
  for (size_t i = 2; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return false;
  return true;
}

bool looks_like_mbox(const FsProbe& fs, const std::string& path) {
  return fs.is_file(path) && has_prefix(fs.read_head(path, 5), "From ");
}

std::optional<std::string> mdbox_signature(const std::string& root, const FsProbe& fs) {
  std::string storage = root + "/storage";
  if (!fs.is_dir(storage)) return std::nullopt;
  for (const auto& n : fs.list_dir(storage)) {
    if (is_numbered(n, 'm')) return "storage/" + n;
    if (has_prefix(n, "dovecot.map.index")) return "storage/" + n;
  }
  return std::string("storage/");
}

std::optional<std::string> sdbox_signature(const std::string& root, const FsProbe& fs) {
  std::string boxes = root + "/mailboxes";
  if (!fs.is_dir(boxes)) return std::nullopt;
  // Depth-first through the mailbox tree for a u.<N> mail file; mailboxes/
  // alone (an empty store) still counts.
  std::vector<std::string> todo{boxes};
  for (size_t guard = 0; !todo.empty() && guard < 10000; ++guard) {
    std::string dir = todo.back();
    todo.pop_back();
    for (const auto& n : fs.list_dir(dir)) {
      std::string p = dir + "/" + n;
      if (n == "dbox-Mails") {
        for (const auto& f : fs.list_dir(p))
          if (is_numbered(f, 'u')) return p.substr(root.size() + 1) + "/" + f;
      } else if (fs.is_dir(p)) {
        todo.push_back(p);
      }
    }
  }
  return std::string("mailboxes/");
}

std::optional<std::string> maildir_signature(const std::string& root, const FsProbe& fs) {
  for (const char* d : {"cur", "new", "tmp"})
    if (fs.is_dir(root + "/" + d)) return std::string(d) + "/";
  if (fs.is_file(root + "/dovecot-uidlist")) return std::string("dovecot-uidlist");
  for (const auto& n : fs.list_dir(root)) {
    if (n.size() < 2 || n[0] != '.' || n == "..") continue;
    std::string p = root + "/" + n;
    if (fs.is_dir(p + "/cur") || fs.is_dir(p + "/new")) return n + "/";
  }
  return std::nullopt;
}

std::optional<std::string> mbox_signature(const std::string& root, const FsProbe& fs) {
  if (fs.is_dir(root + "/.imap")) return std::string(".imap/");
  for (const char* f : {"inbox", "mbox"})
    if (fs.is_file(root + "/" + f)) return std::string(f);
  for (const auto& n : fs.list_dir(root))
    if (looks_like_mbox(fs, root + "/" + n)) return n;
  return std::nullopt;
}

}  // namespace

FsProbe real_fs_probe() {
  FsProbe fs;
  fs.is_dir = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  };
  fs.is_file = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  };
  fs.list_dir = [](const std::string& p) {
    std::vector<std::string> out;
    DIR* d = ::opendir(p.c_str());
    if (!d) return out;
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(std::move(n));
    }
    ::closedir(d);
    return out;
  };
  fs.read_head = [](const std::string& p, size_t n) {
    std::string out(n, '\0');
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return std::string();
    ssize_t got = ::pread(fd, out.data(), n, 0);
    ::close(fd);
    out.resize(got > 0 ? static_cast<size_t>(got) : 0);
    return out;
  };
  return fs;
}

std::vector<StoreSignature> store_signatures(const std::string& root, const FsProbe& fs) {
  std::vector<StoreSignature> out;
  // mdbox also has mailboxes/: it hides sdbox's weaker sign.
  if (auto why = mdbox_signature(root, fs)) {
    out.push_back({"mdbox", *why});
  } else if (auto why2 = sdbox_signature(root, fs)) {
    out.push_back({"sdbox", *why2});
  }
  if (auto why = maildir_signature(root, fs)) out.push_back({"maildir", *why});
  if (auto why = mbox_signature(root, fs)) out.push_back({"mbox", *why});
  return out;
}

std::string detect_store_format(const std::string& root, const FsProbe& fs) {
  if (fs.is_file(root))
    throw Error(kExitUsage, "auto:" + root +
                                " is a file, not a mail store directory; for an mbox "
                                "INBOX file use mbox:<mail dir>:INBOX=" +
                                root);
  auto found = store_signatures(root, fs);
  if (found.empty())
    throw Error(kExitNotFound,
                "auto:" + root +
                    ": no mail store found there (no Maildir cur/new/tmp, mbox "
                    "file, sdbox mailboxes/ or mdbox storage/); give the format explicitly, e.g. "
                    "maildir:" +
                    root);
  if (found.size() > 1) {
    std::vector<std::string> seen;
    for (const auto& s : found) seen.push_back(s.format + " (" + s.why + ")");
    throw Error(kExitDataErr,
                "auto:" + root + ": the directory looks like several formats: " + join(seen, ", ") +
                    "; give the format explicitly, e.g. " + found.front().format + ":" + root);
  }
  return found.front().format;
}

}  // namespace roost
