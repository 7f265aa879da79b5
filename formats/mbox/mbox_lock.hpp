#pragma once
#include <string>

#include "lib/dotlock.hpp"

namespace roost {

// The locks Dovecot 2.3 takes on an mbox file by default: for reading an
// fcntl read lock; for writing the dotlock `<file>.lock` and then an fcntl
// write lock. MTAs on Linux use the same pair, so holding both means nobody
// appends while Roost rewrites the file.
class MboxLock {
 public:
  enum class Mode { kRead, kWrite };
  // Locks `path` (which may not exist yet for kWrite). `fd` is an open
  // descriptor of the file (-1: none yet, only the dotlock is taken).
  static MboxLock acquire(const std::string& path, int fd, Mode mode, int timeout_secs = 300);
  MboxLock() = default;
  MboxLock(MboxLock&&) noexcept;
  MboxLock& operator=(MboxLock&&) noexcept;
  ~MboxLock();
  // Adds the fcntl lock on `fd` (after the dotlock, once the file is open).
  void lock_fcntl(const std::string& path, int fd, Mode mode, int timeout_secs = 300);
  void release();

 private:
  DotLock dotlock_;
  int fd_ = -1;  // not owned; fcntl lock held on it
};

}  // namespace roost
