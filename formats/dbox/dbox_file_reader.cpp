#include "formats/dbox/dbox_file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "formats/dbox/dbox_range_stream.hpp"
#include "lib/error.hpp"

namespace roost {

namespace {
// A header line longer than this is not a dbox file.
constexpr size_t kMaxFileHeader = 4096;
// Metadata is a handful of short lines; a block that never ends within this
// many bytes means the message size was wrong.
constexpr size_t kMaxMetadata = 1 << 20;
}  // namespace

DboxFileReader::DboxFileReader(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  struct stat st;
  if (::fstat(fd_, &st) < 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw_errno("cannot stat dbox file", name_, e);
  }
  file_size_ = static_cast<uint64_t>(st.st_size);
  try {
    header_ = parse_dbox_file_header(pread_some(0, kMaxFileHeader), name_);
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  next_offset_ = header_.header_size;
}

std::unique_ptr<DboxFileReader> DboxFileReader::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw Error(kExitNotFound, "dbox file " + path + " doesn't exist");
    throw_errno("cannot open dbox file", path);
  }
  return std::make_unique<DboxFileReader>(fd, path);
}

DboxFileReader::~DboxFileReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::string DboxFileReader::pread_some(uint64_t offset, size_t len) const {
  std::string out(len, '\0');
  size_t got = 0;
  while (got < len) {
    ssize_t n = ::pread(fd_, out.data() + got, len - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot read dbox file", name_);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

DboxMessage DboxFileReader::read_message(uint64_t offset) {
  DboxMessage m;
  m.offset = offset;
  uint32_t hsize = header_.msg_header_size;
  m.header = parse_dbox_message_header(pread_some(offset, hsize), hsize, name_, offset);
  m.body_offset = offset + hsize;
  m.body_size = m.header.body_size;
  uint64_t meta_at = m.body_offset + m.body_size;
  if (m.body_size > file_size_ || meta_at > file_size_)
    throw Error(kExitDataErr, name_ + ": the message at offset " + std::to_string(offset) +
                                  " claims " + std::to_string(m.body_size) +
                                  " body bytes but the file ends at " + std::to_string(file_size_) +
                                  " (truncated file)");
  size_t chunk = 512;
  while (true) {
    std::string data = pread_some(meta_at, chunk);
    DboxMetadataParse p = parse_dbox_metadata(data, name_, meta_at);
    if (p.status == DboxMetadataParse::kComplete) {
      m.metadata = std::move(p.metadata);
      m.end_offset = meta_at + p.consumed;
      return m;
    }
    if (data.size() < chunk)
      throw Error(kExitDataErr, name_ + ": the metadata block at offset " +
                                    std::to_string(meta_at) +
                                    " is cut short by the end of the file (truncated file)");
    if (chunk >= kMaxMetadata)
      throw Error(kExitDataErr, name_ + ": the metadata block at offset " +
                                    std::to_string(meta_at) + " has no end");
    chunk *= 4;
  }
}

std::optional<DboxMessage> DboxFileReader::next() {
  if (next_offset_ >= file_size_) return std::nullopt;
  DboxMessage m = read_message(next_offset_);
  next_offset_ = m.end_offset;
  return m;
}

std::unique_ptr<std::istream> DboxFileReader::body_stream(const DboxMessage& m) const {
  int fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw_errno("cannot duplicate the descriptor of", name_);
  return std::make_unique<DboxRangeStream>(fd, m.body_offset, m.body_size);
}

}  // namespace roost
