#include "formats/dbox/dbox_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "lib/error.hpp"

namespace roost {

DboxDirLock DboxDirLock::acquire(const std::string& dir, int timeout_secs) {
  DboxDirLock lock;
  lock.fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock.fd_ < 0) throw_errno("cannot open directory to lock it", dir);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_secs);
  auto pause = std::chrono::milliseconds(1);
  while (::flock(lock.fd_, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) throw_errno("cannot lock", dir);
    if (std::chrono::steady_clock::now() > deadline)
      throw Error(kExitTempFail, "mailbox directory " + dir +
                                     " is still locked by another roost "
                                     "process after " +
                                     std::to_string(timeout_secs) + " seconds; try again later");
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(100)) pause *= 2;
  }
  return lock;
}

DboxDirLock::DboxDirLock(DboxDirLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

DboxDirLock& DboxDirLock::operator=(DboxDirLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DboxDirLock::~DboxDirLock() {
  release();
}

void DboxDirLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
  fd_ = -1;
}

}  // namespace roost
