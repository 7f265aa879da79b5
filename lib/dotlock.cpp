#include "lib/dotlock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <thread>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

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
      return lock;
    }
    if (errno != EEXIST) throw_errno("cannot create lock file", lock.lock_path_);
    struct stat st;
    if (::stat(lock.lock_path_.c_str(), &st) == 0) {
      if (std::time(nullptr) - st.st_mtime > options.stale_secs) {
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
    : target_(std::move(other.target_)), lock_path_(std::move(other.lock_path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

DotLock& DotLock::operator=(DotLock&& other) noexcept {
  if (this != &other) {
    release();
    target_ = std::move(other.target_);
    lock_path_ = std::move(other.lock_path_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DotLock::~DotLock() { release(); }

void DotLock::write_content(std::string_view data) {
  if (fd_ < 0) throw Error(kExitSoftware, "dotlock " + lock_path_ + " is not held");
  if (::ftruncate(fd_, 0) < 0 || ::lseek(fd_, 0, SEEK_SET) < 0)
    throw_errno("cannot truncate", lock_path_);
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write", lock_path_);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void DotLock::commit_replace(bool fsync) {
  if (fd_ < 0) throw Error(kExitSoftware, "dotlock " + lock_path_ + " is not held");
  if (fsync && ::fsync(fd_) < 0) throw_errno("cannot fsync", lock_path_);
  if (::rename(lock_path_.c_str(), target_.c_str()) < 0) throw_errno("cannot rename into", target_);
  ::close(fd_);
  fd_ = -1;
  if (fsync) fsync_dir(dirname_of(target_));
}

void DotLock::release() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(lock_path_.c_str());
}

void DotLock::touch() {
  if (fd_ >= 0) ::futimens(fd_, nullptr);
}

}  // namespace roost
