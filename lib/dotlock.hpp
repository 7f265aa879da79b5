#pragma once
#include <string>
#include <string_view>

namespace roost {

// A dotlock: the lock for `<target>` is the file `<target>.lock`, created
// with O_EXCL. This is the scheme Dovecot uses for dovecot-uidlist,
// dovecot-keywords and subscriptions, so holding a DotLock excludes a real
// Dovecot working on the same file (and vice versa).
//
// The lock file holds "<pid>:<hostname>" like Dovecot's dotlocks, so a lock
// whose owner process is gone is taken over at once (by Roost and by
// Dovecot); one older than `stale_secs` (by mtime) is taken over too. The
// holder may write the new content of the target with write_content() and
// `commit_replace()` it: the content is written beside the lock, fsynced and
// renamed over the target, then the lock is removed.
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

  // Sets the target's new content (for commit_replace()).
  void write_content(std::string_view data);
  // fsyncs the new content (when `fsync`), renames it over the target,
  // fsyncs the directory and releases the lock.
  void commit_replace(bool fsync = true);
  // Removes the lock file (no change to the target).
  void release();
  // Refreshes the lock file's mtime so others don't consider it stale.
  void touch();

 private:
  std::string target_;
  std::string lock_path_;
  int fd_ = -1;
  int tmp_fd_ = -1;  // "<target>.lock.tmp" holding the new content
};

}  // namespace roost
