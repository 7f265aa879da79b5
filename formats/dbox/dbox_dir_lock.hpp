#pragma once
// An exclusive flock() on a directory, held by Roost writers of one dbox
// mailbox while they assign UIDs and commit. Unlike a dotlock it adds no
// directory entry, so taking it doesn't change the directory's mtime (which
// the sdbox sync stamp watches), and the kernel drops it when the holder
// dies. Dovecot doesn't take it: see formats/dbox/README.md.
#include <string>

namespace roost {

class DboxDirLock {
 public:
  DboxDirLock() = default;
  // Blocks up to `timeout_secs`, then Error(kExitTempFail).
  static DboxDirLock acquire(const std::string& dir, int timeout_secs = 30);
  DboxDirLock(DboxDirLock&& other) noexcept;
  DboxDirLock& operator=(DboxDirLock&& other) noexcept;
  DboxDirLock(const DboxDirLock&) = delete;
  DboxDirLock& operator=(const DboxDirLock&) = delete;
  ~DboxDirLock();

  bool held() const { return fd_ >= 0; }
  void release();

 private:
  int fd_ = -1;
};

}  // namespace roost
