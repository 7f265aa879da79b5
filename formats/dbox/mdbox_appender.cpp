#include "formats/dbox/mdbox_appender.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

#include "formats/dbox/dbox_deflate_encoder.hpp"
#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_message_writer.hpp"
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
  dbox_pwrite_all(cur_.fd, data, at, path_join(dir_, mdbox_file_name(cur_.file_id)));
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
  DboxFileHeader fh;
  fh.create_time = static_cast<int64_t>(::time(nullptr));
  std::string header = format_dbox_file_header(fh);
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
      std::optional<DboxFileHeader> header;
      try {
        if (hn > 0)
          header = parse_dbox_file_header(std::string_view(hbuf, static_cast<size_t>(hn)), path);
      } catch (const Error&) {
        // A damaged file takes no more mail; force-resync deals with it.
      }
      bool ok = header && header->version == kDboxVersion &&
                header->msg_header_size == kDboxMessageHeaderSize && ::fstat(fd, &st) == 0;
      const MdboxSettings& set = storage_.settings();
      if (ok && set.rotate_interval > 0) {
        int64_t now = ::time(nullptr);
        int64_t interval_start = now - now % set.rotate_interval;
        if (header->create_time < interval_start) ok = false;
      }
      if (ok) {
        // Bytes past the last message the map names were written by a
        // writer that died before its map commit: nobody references them.
        uint64_t known_end = header->header_size;
        for (const auto& e : map.entries_in_file(id))
          known_end = std::max(known_end, e.offset + e.size);
        uint64_t size = static_cast<uint64_t>(st.st_size);
        if (size < known_end) ok = false;  // damaged: leave it to force-resync
        if (ok && known_end >= set.rotate_size) ok = false;
        if (ok && size > known_end) {
          if (::ftruncate(fd, static_cast<off_t>(known_end)) < 0)
            throw_errno("cannot truncate", path);
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
    bool has_mail = cur_.end > 64;  // past the header line (about 16 bytes)
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

MdboxPlaced MdboxAppender::append(std::istream& body, DboxMetadata meta) {
  ensure_file(0);
  std::string name = path_join(dir_, mdbox_file_name(cur_.file_id));
  // Compressed when zlib_save asks for it (the header's size is then the
  // stored one, Z the plain one, as Dovecot's zlib plugin writes).
  std::unique_ptr<DboxDeflateEncoder> encoder;
  const SaveCompression& zlib = storage_.settings().save_compression;
  if (zlib.enabled()) {
    zlib.check();
    encoder = std::make_unique<DboxDeflateEncoder>(zlib.format, zlib.level);
  }
  // Stored with LF line endings, as Dovecot stores saves.
  DboxWrittenMessage w =
      write_dbox_message(cur_.fd, cur_.end, body, meta, name, encoder.get(), LineEndings::kLf);
  MdboxPlaced p;
  p.file_id = cur_.file_id;
  p.offset = w.offset;
  p.size = w.end_offset - w.offset;
  p.body_size = w.physical_size;
  p.virtual_size = w.virtual_size;
  cur_.end = w.end_offset;
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
