#include "formats/dbox/mdbox_appender.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "formats/dbox/mdbox_storage.hpp"
#include "lib/error.hpp"
#include "lib/fault.hpp"
#include "lib/fsutil.hpp"

namespace roost {

MdboxAppender::MdboxAppender(MdboxStorage& storage, std::string dir, bool reuse_files)
    : storage_(storage), dir_(std::move(dir)), reuse_files_(reuse_files) {
  make_dirs(dir_);
}

MdboxAppender::~MdboxAppender() {
  close_current();
  for (int fd : dirty_fds_) ::close(fd);
}

void MdboxAppender::close_current() {
  if (cur_.fd >= 0) dirty_fds_.push_back(cur_.fd);  // closed after its fsync
  cur_ = Out{};
}

void MdboxAppender::write_at(std::string_view data, uint64_t at) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(cur_.fd, data.data(), data.size(), static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write", path_join(dir_, mdbox_file_name(cur_.file_id)));
    }
    data.remove_prefix(static_cast<size_t>(n));
    at += static_cast<uint64_t>(n);
  }
}

void MdboxAppender::create_new() {
  close_current();
  MdboxMap& map = storage_.map();
  uint32_t id = map.header().highest_file_id;
  for (uint32_t f : mdbox_file_ids(storage_.storage_dir())) id = std::max(id, f);
  if (!storage_.alt_storage_dir().empty())
    for (uint32_t f : mdbox_file_ids(storage_.alt_storage_dir())) id = std::max(id, f);
  for (uint32_t f : created_) id = std::max(id, f);
  ++id;
  if (on_new_file) on_new_file(id);
  std::string path = path_join(dir_, mdbox_file_name(id));
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw_errno("cannot create mdbox file", path);
  while (::flock(fd, LOCK_EX) < 0 && errno == EINTR) {
  }
  cur_.fd = fd;
  cur_.file_id = id;
  std::string header = format_mdbox_file_header(static_cast<int64_t>(::time(nullptr)));
  write_at(header, 0);
  cur_.end = header.size();
  created_.push_back(id);
  dir_dirty_ = true;
}

void MdboxAppender::open_existing_or_new() {
  // The newest file of the primary dir, if it still takes mail.
  auto ids = mdbox_file_ids(dir_);
  MdboxMap& map = storage_.map();
  if (!ids.empty()) {
    uint32_t id = ids.back();
    std::string path = path_join(dir_, mdbox_file_name(id));
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      while (::flock(fd, LOCK_EX) < 0 && errno == EINTR) {
      }
      struct stat st;
      char hbuf[128];
      ssize_t hn = ::pread(fd, hbuf, sizeof hbuf, 0);
      auto header = hn > 0 ? parse_mdbox_file_header(std::string_view(hbuf, static_cast<size_t>(hn)))
                           : std::nullopt;
      bool ok = header && header->version == 2 && header->msg_header_size == kMdboxMsgHeaderSize &&
                ::fstat(fd, &st) == 0;
      const MdboxSettings& set = storage_.settings();
      if (ok && set.rotate_interval > 0) {
        int64_t now = ::time(nullptr);
        int64_t interval_start = now - now % set.rotate_interval;
        if (header->create_time < interval_start) ok = false;
      }
      if (ok) {
        // Bytes past the last message the map names were written by a
        // writer that died before its map commit: nobody references them.
        uint64_t known_end = header->length;
        for (const auto& e : map.entries_in_file(id)) known_end = std::max(known_end, e.offset + e.size);
        uint64_t size = static_cast<uint64_t>(st.st_size);
        if (size < known_end) ok = false;  // damaged: leave it to force-resync
        if (ok && known_end >= set.rotate_size) ok = false;
        if (ok && size > known_end) {
          if (::ftruncate(fd, static_cast<off_t>(known_end)) < 0) throw_errno("cannot truncate", path);
        }
        if (ok) {
          cur_.fd = fd;
          cur_.file_id = id;
          cur_.end = known_end;
          return;
        }
      }
      ::close(fd);
    }
  }
  create_new();
}

void MdboxAppender::ensure_file(uint64_t incoming_size) {
  const MdboxSettings& set = storage_.settings();
  if (cur_.fd >= 0) {
    // Rotate when full; a message bigger than the limit gets a file alone.
    bool has_mail = cur_.end > format_mdbox_file_header(0).size() + 8;
    if (cur_.end + incoming_size > set.rotate_size && has_mail) create_new();
    return;
  }
  // Only the first file may be an existing one: a file this appender left
  // holds bytes the map doesn't name yet and must not be cut.
  if (reuse_files_ && !used_any_)
    open_existing_or_new();
  else
    create_new();
  used_any_ = true;
}

uint64_t MdboxAppender::write_body(std::istream& body, uint64_t at, uint64_t& vsize) {
  VirtualSizeCounter vs;
  char buf[65536];
  uint64_t written = 0;
  while (body) {
    body.read(buf, sizeof buf);
    std::streamsize n = body.gcount();
    if (n <= 0) break;
    std::string_view chunk(buf, static_cast<size_t>(n));
    vs.feed(chunk);
    write_at(chunk, at + written);
    written += static_cast<uint64_t>(n);
  }
  if (body.bad()) throw Error(kExitIoErr, "reading the message to save failed");
  vsize = vs.size();
  return written;
}

MdboxPlaced MdboxAppender::append(std::istream& body, MdboxMetadata meta) {
  ensure_file(0);
  MdboxPlaced p;
  p.file_id = cur_.file_id;
  p.offset = cur_.end;
  uint64_t body_at = p.offset + kMdboxMsgHeaderSize;
  p.body_size = write_body(body, body_at, p.virtual_size);
  write_at(format_mdbox_msg_header(p.body_size), p.offset);
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(p.virtual_size));
  meta.set('V', hex);
  std::string block = format_mdbox_metadata(meta);
  write_at(block, body_at + p.body_size);
  p.size = kMdboxMsgHeaderSize + p.body_size + block.size();
  cur_.end = p.offset + p.size;
  // Rotation is checked before the next message: this one stays whole.
  if (cur_.end >= storage_.settings().rotate_size) close_current();
  return p;
}

MdboxPlaced MdboxAppender::append_raw(std::string_view record, uint64_t body_size) {
  ensure_file(record.size());
  MdboxPlaced p;
  p.file_id = cur_.file_id;
  p.offset = cur_.end;
  p.size = record.size();
  p.body_size = body_size;
  write_at(record, p.offset);
  cur_.end += record.size();
  return p;
}

void MdboxAppender::flush() {
  close_current();
  for (int fd : dirty_fds_) {
    if (storage_.settings().fsync) {
      if (::fsync(fd) < 0) throw_errno("cannot fsync", dir_);
      fault_point_after_fsync();
    }
    ::close(fd);
  }
  dirty_fds_.clear();
  if (dir_dirty_ && storage_.settings().fsync) fsync_dir(dir_);
  dir_dirty_ = false;
}

}  // namespace roost
