#pragma once
#include <string>
#include <string_view>

namespace roost {

// A dotlock: the lock for `<target>` is the file `<target>.lock`, created
// with O_EXCL. This is the scheme Dovecot uses for dovecot-uidlist,
// dovecot-keywords and subscriptions, so holding a DotLock excludes a real
// Dovecot working on the same file (and vice versa).
//
// The lock file holds "<pid>:<host>" of its owner. It is taken over when
// that process is gone (same host), or when it is older than `stale_secs`
// (by mtime; the owner touch()es it while working). The holder may also write the new
// content of the target into the lock file and `commit_replace()` it, which
// renames the lock file over the target: the replace and the unlock are one
// atomic step, as Dovecot does.
class DotLock {
 public:
  struct Options {
    int stale_secs = 120;    // Dovecot's MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT
    int timeout_secs = 30;   // give up (Error kExitTempFail) after this long
  };

  DotLock() = default;
  // Acquires the lock for `target` (blocking up to options.timeout_secs).
  static DotLock acquire(const std::string& target, const Options& options);
  static DotLock acquire(const std::string& target) { return acquire(target, Options{}); }

  DotLock(DotLock&& other) noexcept;
  DotLock& operator=(DotLock&& other) noexcept;
  DotLock(const DotLock&) = delete;
  DotLock& operator=(const DotLock&) = delete;
  ~DotLock();

  bool held() const { return fd_ >= 0; }
  const std::string& lock_path() const { return lock_path_; }
  const std::string& target() const { return target_; }

  // Replaces the lock file's content with `data` (for commit_replace()).
  void write_content(std::string_view data);
  // fsyncs the lock file (when `fsync`), renames it over the target and
  // fsyncs the directory: the lock is released by this.
  void commit_replace(bool fsync = true);
  // Removes the lock file (no change to the target).
  void release();
  // Refreshes the lock file's mtime so others don't consider it stale.
  void touch();

 private:
  std::string target_;
  std::string lock_path_;
  int fd_ = -1;
};

}  // namespace roost
