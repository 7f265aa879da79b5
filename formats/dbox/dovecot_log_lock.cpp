#include "formats/dbox/dovecot_log_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "lib/error.hpp"

namespace roost {

DovecotLogLock DovecotLogLock::acquire(const std::string& path) {
  DovecotLogLock lock;
  lock.path_ = path;
  for (int attempt = 0; attempt < 10; ++attempt) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return lock;
      throw_errno("cannot open", path);
    }
    struct flock fl = {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    int rc;
    while ((rc = ::fcntl(fd, F_OFD_SETLKW, &fl)) < 0 && errno == EINTR) {
    }
    if (rc < 0) {
      int e = errno;
      ::close(fd);
      throw_errno("cannot lock", path, e);
    }
    struct stat by_fd, by_path;
    if (::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 &&
        by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev) {
      lock.fd_ = fd;
      return lock;
    }
    ::close(fd);  // rotated meanwhile: lock the new file
  }
  throw Error(kExitTempFail, path +
                                 " keeps being replaced while Roost waits for its lock; "
                                 "try again");
}

DovecotLogLock::DovecotLogLock(DovecotLogLock&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

DovecotLogLock& DovecotLogLock::operator=(DovecotLogLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

DovecotLogLock::~DovecotLogLock() {
  release();
}

void DovecotLogLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing the description drops the lock
  fd_ = -1;
}

}  // namespace roost
