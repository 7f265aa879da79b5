#include "dsync/dsync_channel_spill.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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

void SpillFile::write_at(uint64_t off, std::string_view bytes) {
  if (fd_ < 0) open();
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n =
        ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw_errno("dsync: cannot write the sync's spill file (free space or set TMPDIR) in",
                  dir_);
    done += static_cast<size_t>(n);
  }
}

void SpillFile::flush() const {
  if (tail_.empty()) return;
  const_cast<SpillFile*>(this)->write_at(end_ - tail_.size(), tail_);
  tail_.clear();
}

uint64_t SpillFile::append(std::string_view bytes) {
  if (fd_ < 0) open();
  uint64_t start = end_;
  if (bytes.size() < kBuffer) {
    // Small items (change-list lines) are collected and written in blocks.
    tail_.append(bytes);
    end_ += bytes.size();
    if (tail_.size() >= kBuffer) flush();
    return start;
  }
  flush();
  write_at(end_, bytes);
  end_ += bytes.size();
  return start;
}

void SpillFile::pread_all(uint64_t off, size_t len, char* dst) const {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd_, dst + done, len - done, static_cast<off_t>(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("dsync: cannot read back the sync's spill file in", dir_);
    if (n == 0)
      throw Error(kExitIoErr, "dsync: the sync's spill file in " + dir_ +
                                  " is shorter than what was written to it; run the sync again");
    done += static_cast<size_t>(n);
  }
}

void SpillFile::read(uint64_t off, size_t len, std::string& dst) const {
  uint64_t tail_off = end_ - tail_.size();
  if (off >= tail_off) {  // still in the write buffer
    dst.append(tail_, off - tail_off, len);
    return;
  }
  if (off + len > tail_off) flush();
  if (len < kBuffer / 16) {
    // Small items are read back in order: one block read serves many.
    if (off < block_off_ || off + len > block_off_ + block_.size()) {
      uint64_t written = end_ - tail_.size();
      size_t n = static_cast<size_t>(std::min<uint64_t>(kBuffer, written - off));
      block_.resize(n);
      pread_all(off, n, block_.data());
      block_off_ = off;
    }
    dst.append(block_, off - block_off_, len);
    return;
  }
  size_t base = dst.size();
  dst.resize(base + len);
  pread_all(off, len, dst.data() + base);
}

void SpillFile::reset() {
  if (fd_ >= 0 && end_ > 0 && ::ftruncate(fd_, 0) != 0)
    throw_errno("dsync: cannot truncate the sync's spill file in", dir_);
  end_ = 0;
  tail_.clear();
  block_.clear();
  block_off_ = 0;
}

}  // namespace roost::dsync
