#include "lib/dotlock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
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

// Dovecot writes and compares the full gethostname(); so does Roost, so each
// takes over the other's locks left by a dead process.
std::string full_hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) < 0) return "localhost";
  return buf;
}

// True when the lock file names a process on this host that no longer exists.
bool owner_is_dead(const std::string& lock_path) {
  auto content = read_file_if_exists(lock_path);
  if (!content) return false;
  size_t colon = content->find(':');
  if (colon == std::string::npos || content->substr(colon + 1) != full_hostname()) return false;
  auto pid = parse_u32(std::string_view(*content).substr(0, colon));
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
    // The lock appears with its owner "<pid>:<host>" already inside (written
    // to a temp file, then link()ed), so a waiter can always tell whether
    // the owner died, even if it died right after taking the lock.
    static std::atomic<unsigned> counter{0};
    std::string tmp = lock.lock_path_ + ".tmp." + std::to_string(::getpid()) + "." +
                      std::to_string(counter.fetch_add(1));
    int tfd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (tfd < 0) throw_errno("cannot create lock file", tmp);
    std::string owner = std::to_string(::getpid()) + ":" + full_hostname();
    if (::write(tfd, owner.data(), owner.size()) != static_cast<ssize_t>(owner.size())) {
      int e = errno;
      ::close(tfd);
      ::unlink(tmp.c_str());
      throw_errno("cannot write lock file", tmp, e);
    }
    int rc = ::link(tmp.c_str(), lock.lock_path_.c_str());
    int link_errno = errno;
    ::unlink(tmp.c_str());
    if (rc == 0) {
      lock.fd_ = tfd;
      return lock;
    }
    ::close(tfd);
    errno = link_errno;
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
        // Stale: its owner died. Removing it races with another process doing
        // the same, but O_EXCL above still lets only one of us win.
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
