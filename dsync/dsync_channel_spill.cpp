#include "dsync/dsync_channel_spill.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "lib/error.hpp"

namespace roost::dsync {

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

void SpillFile::open() {
  const char* tmp = std::getenv("TMPDIR");
  dir_ = tmp && *tmp ? tmp : "/tmp";
#ifdef O_TMPFILE
  fd_ = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ >= 0) return;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    throw_errno("dsync: cannot create a spill file for the sync's queue (set TMPDIR to a "
                "writable directory) in",
                dir_);
#endif
  // A filesystem without O_TMPFILE: a named file, unlinked at once.
  std::string path = dir_ + "/roost-dsync-spill-XXXXXX";
  fd_ = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd_ < 0)
    throw_errno("dsync: cannot create a spill file for the sync's queue (set TMPDIR to a "
                "writable directory) in",
                dir_);
  ::unlink(path.c_str());
}

uint64_t SpillFile::append(std::string_view bytes) {
  if (fd_ < 0) open();
  uint64_t start = end_;
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(end_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw_errno("dsync: cannot write the sync's spill file (free space or set TMPDIR) in",
                  dir_);
    done += static_cast<size_t>(n);
  }
  end_ += bytes.size();
  return start;
}

void SpillFile::read(uint64_t off, size_t len, std::string& dst) const {
  size_t base = dst.size();
  dst.resize(base + len);
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd_, dst.data() + base + done, len - done, static_cast<off_t>(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("dsync: cannot read back the sync's spill file in", dir_);
    if (n == 0)
      throw Error(kExitIoErr, "dsync: the sync's spill file in " + dir_ +
                                  " is shorter than what was written to it; run the sync again");
    done += static_cast<size_t>(n);
  }
}

void SpillFile::reset() {
  if (fd_ >= 0 && end_ > 0 && ::ftruncate(fd_, 0) != 0)
    throw_errno("dsync: cannot truncate the sync's spill file in", dir_);
  end_ = 0;
}

}  // namespace roost::dsync
