#pragma once
// A write lock on Dovecot's dovecot.index.log, the lock Dovecot itself takes
// (fcntl, its default lock_method) while it assigns UIDs and appends. Roost
// holds it from a transaction's first change to its commit, so Roost and
// Dovecot never hand out the same UID or interleave log records.
//
// It is an open-file-description lock (F_OFD_SETLKW): it conflicts with
// Dovecot's fcntl locks like a classic one, but isn't dropped when this
// process reads the log through another descriptor meanwhile (classic fcntl
// locks are, on any close()).
#include <string>

namespace roost {

class DovecotLogLock {
 public:
  DovecotLogLock() = default;
  // Locks `path` (the current file: re-opened if Dovecot rotated it while
  // waiting). Not held (held() false) when the log doesn't exist.
  static DovecotLogLock acquire(const std::string& path);
  DovecotLogLock(DovecotLogLock&& other) noexcept;
  DovecotLogLock& operator=(DovecotLogLock&& other) noexcept;
  DovecotLogLock(const DovecotLogLock&) = delete;
  DovecotLogLock& operator=(const DovecotLogLock&) = delete;
  ~DovecotLogLock();

  bool held() const { return fd_ >= 0; }
  // Opened O_WRONLY | O_APPEND: appends go to the end of the locked log.
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  void release();

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace roost
