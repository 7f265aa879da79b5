#include "formats/dbox/dbox_paths.hpp"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <vector>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

namespace {
std::string strip_slashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}
}  // namespace

DboxAltPaths::DboxAltPaths(std::string primary_root, std::string alt_root)
    : primary_root_(strip_slashes(std::move(primary_root))),
      alt_root_(alt_root.empty() ? std::string() : strip_slashes(std::move(alt_root))) {}

std::string DboxAltPaths::alt_of(const std::string& primary_path) const {
  if (alt_root_.empty()) return "";
  if (primary_path == primary_root_) return alt_root_;
  if (primary_path.size() <= primary_root_.size() ||
      primary_path.compare(0, primary_root_.size(), primary_root_) != 0 ||
      primary_path[primary_root_.size()] != '/')
    return "";
  return alt_root_ + primary_path.substr(primary_root_.size());
}

std::optional<std::string> DboxAltPaths::locate(const std::string& primary_path) const {
  struct stat st;
  if (::stat(primary_path.c_str(), &st) == 0) return primary_path;
  if (errno != ENOENT) throw_errno("cannot stat", primary_path);
  std::string alt = alt_of(primary_path);
  if (alt.empty()) return std::nullopt;
  if (::stat(alt.c_str(), &st) == 0) return alt;
  if (errno != ENOENT) throw_errno("cannot stat", alt);
  return std::nullopt;
}

DboxAltLink check_dbox_alt_root_link(const std::string& root, const std::string& alt,
                                     std::string* current_target) {
  std::string link = path_join(root, kDboxAltRootLink);
  std::vector<char> buf(4096);
  ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size() - 1);
  if (n < 0) {
    if (errno != ENOENT && errno != EINVAL) throw_errno("cannot read symlink", link);
    return alt.empty() ? DboxAltLink::kNoAlt : DboxAltLink::kMissing;
  }
  std::string target(buf.data(), static_cast<size_t>(n));
  if (current_target) *current_target = target;
  if (alt.empty()) return DboxAltLink::kNoAlt;
  return strip_slashes(target) == strip_slashes(alt) ? DboxAltLink::kMatches
                                                     : DboxAltLink::kDiffers;
}

void write_dbox_alt_root_link(const std::string& root, const std::string& alt) {
  std::string link = path_join(root, kDboxAltRootLink);
  std::string tmp = link + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  if (::symlink(alt.c_str(), tmp.c_str()) < 0) throw_errno("cannot create symlink", tmp);
  if (::rename(tmp.c_str(), link.c_str()) < 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw_errno("cannot rename symlink to", link, e);
  }
}

std::string dbox_temp_file_name() {
  static std::atomic<unsigned> counter{0};
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  return std::string(kDboxTempPrefix) + std::to_string(tv.tv_sec) + ".P" +
         std::to_string(::getpid()) + "Q" + std::to_string(counter++) + "M" +
         std::to_string(tv.tv_usec) + "." + safe_hostname();
}

}  // namespace roost
