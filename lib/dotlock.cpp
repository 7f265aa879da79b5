#include "lib/dotlock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <thread>

#include "lib/error.hpp"
#include "lib/fault.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

std::string full_hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) < 0) return "localhost";
  return buf;
}

// True when the lock file names a process of this host that is gone: the
// "<pid>:<host>" content Dovecot's dotlocks carry too, so Roost and Dovecot
// take over each other's locks left by a killed process at once instead of
// waiting for the stale timeout.
bool owner_is_dead(const std::string& lock_path) {
  auto content = read_file_if_exists(lock_path);
  if (!content) return false;
  std::string_view c = *content;
  while (!c.empty() && (c.back() == '\n' || c.back() == '\r')) c.remove_suffix(1);
  size_t colon = c.find(':');
  if (colon == std::string_view::npos || c.substr(colon + 1) != full_hostname()) return false;
  auto pid = parse_u32(c.substr(0, colon));
  if (!pid || *pid == 0) return false;
  return ::kill(static_cast<pid_t>(*pid), 0) < 0 && errno == ESRCH;
}

}  // namespace

DotLock DotLock::acquire(const std::string& target, const Options& options) {
  DotLock lock;
  lock.target_ = target;
  lock.lock_path_ = target + ".lock";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_secs);
  int sleep_ms = 1;
  while (true) {
    int fd = ::open(lock.lock_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      lock.fd_ = fd;
      std::string owner = std::to_string(::getpid()) + ":" + full_hostname();
      if (::write(fd, owner.data(), owner.size()) < 0) {
        lock.release();
        throw_errno("cannot write", lock.lock_path_);
      }
      return lock;
    }
    if (errno != EEXIST) throw_errno("cannot create lock file", lock.lock_path_);
    struct stat st;
    if (::stat(lock.lock_path_.c_str(), &st) == 0) {
      bool stale = std::time(nullptr) - st.st_mtime > options.stale_secs;
      if (!stale && owner_is_dead(lock.lock_path_)) {
        // Only remove the very file we judged: another process may have
        // replaced it in between.
        struct stat again;
        stale = ::stat(lock.lock_path_.c_str(), &again) == 0 && again.st_ino == st.st_ino &&
                again.st_mtime == st.st_mtime;
      }
      if (stale) {
        // Removing it races with another process doing the same, but O_EXCL
        // above still lets only one of us win.
        ::unlink(lock.lock_path_.c_str());
        continue;
      }
    } else if (errno == ENOENT) {
      continue;  // released between our open and stat
    }
    if (std::chrono::steady_clock::now() >= deadline)
      throw Error(kExitTempFail, "timed out waiting for lock " + lock.lock_path_ +
                                     " (another process holds it; remove it if no "
                                     "process is running)");
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    if (sleep_ms < 100) sleep_ms *= 2;
  }
}

DotLock::DotLock(DotLock&& other) noexcept
    : target_(std::move(other.target_)),
      lock_path_(std::move(other.lock_path_)),
      fd_(other.fd_),
      tmp_fd_(other.tmp_fd_) {
  other.fd_ = -1;
  other.tmp_fd_ = -1;
}

DotLock& DotLock::operator=(DotLock&& other) noexcept {
  if (this != &other) {
    release();
    target_ = std::move(other.target_);
    lock_path_ = std::move(other.lock_path_);
    fd_ = other.fd_;
    tmp_fd_ = other.tmp_fd_;
    other.fd_ = -1;
    other.tmp_fd_ = -1;
  }
  return *this;
}

DotLock::~DotLock() { release(); }

// The new content goes to "<target>.lock.tmp" (only the lock holder ever
// writes it), and the lock file keeps naming its owner until the end, so a
// holder killed at any point leaves a lock others recognize as dead.
void DotLock::write_content(std::string_view data) {
  if (fd_ < 0) throw Error(kExitSoftware, "dotlock " + lock_path_ + " is not held");
  std::string tmp = lock_path_ + ".tmp";
  if (tmp_fd_ < 0) {
    tmp_fd_ = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (tmp_fd_ < 0) throw_errno("cannot create", tmp);
  }
  if (::ftruncate(tmp_fd_, 0) < 0 || ::lseek(tmp_fd_, 0, SEEK_SET) < 0)
    throw_errno("cannot truncate", tmp);
  while (!data.empty()) {
    ssize_t n = ::write(tmp_fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write", tmp);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void DotLock::commit_replace(bool fsync) {
  if (fd_ < 0 || tmp_fd_ < 0)
    throw Error(kExitSoftware, "dotlock " + lock_path_ + " has no content to commit");
  std::string tmp = lock_path_ + ".tmp";
  if (fsync && ::fsync(tmp_fd_) < 0) throw_errno("cannot fsync", tmp);
  if (fsync) fault_point_after_fsync();
  if (::rename(tmp.c_str(), target_.c_str()) < 0) throw_errno("cannot rename into", target_);
  ::close(tmp_fd_);
  tmp_fd_ = -1;
  if (fsync) fsync_dir(dirname_of(target_));
  release();
}

void DotLock::release() {
  if (tmp_fd_ >= 0) {
    ::close(tmp_fd_);
    tmp_fd_ = -1;
    ::unlink((lock_path_ + ".tmp").c_str());
  }
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(lock_path_.c_str());
}

void DotLock::touch() {
  if (fd_ >= 0) ::futimens(fd_, nullptr);
}

}  // namespace roost
