#include "formats/mbox/mbox_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "lib/error.hpp"

namespace roost {

MboxLock MboxLock::acquire(const std::string& path, int fd, Mode mode, int timeout_secs) {
  MboxLock lock;
  if (mode == Mode::kWrite) {
    DotLock::Options opt;
    opt.timeout_secs = timeout_secs;
    lock.dotlock_ = DotLock::acquire(path, opt);
  }
  if (fd >= 0) lock.lock_fcntl(path, fd, mode, timeout_secs);
  return lock;
}

void MboxLock::lock_fcntl(const std::string& path, int fd, Mode mode, int timeout_secs) {
  {
    struct flock fl {};
    fl.l_type = mode == Mode::kWrite ? F_WRLCK : F_RDLCK;
    fl.l_whence = SEEK_SET;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_secs);
    while (::fcntl(fd, F_SETLK, &fl) < 0) {
      if (errno != EACCES && errno != EAGAIN && errno != EINTR)
        throw_errno("cannot fcntl-lock", path);
      if (std::chrono::steady_clock::now() > deadline)
        throw Error(kExitTempFail, "timed out waiting for the fcntl lock on " + path +
                                       ": another process keeps it locked; try again later");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    fd_ = fd;
  }
}

MboxLock::MboxLock(MboxLock&& o) noexcept : dotlock_(std::move(o.dotlock_)), fd_(o.fd_) {
  o.fd_ = -1;
}

MboxLock& MboxLock::operator=(MboxLock&& o) noexcept {
  if (this != &o) {
    release();
    dotlock_ = std::move(o.dotlock_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

MboxLock::~MboxLock() {
  release();
}

void MboxLock::release() {
  if (fd_ >= 0) {
    struct flock fl {};
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    ::fcntl(fd_, F_SETLK, &fl);
    fd_ = -1;
  }
  if (dotlock_.held()) dotlock_.release();
}

}  // namespace roost
