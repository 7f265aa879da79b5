#include "formats/model/message_file.hpp"

#include "lib/compress/deflater.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

namespace {

uint64_t count_bare_lfs(std::string_view data, char& prev) {
  uint64_t n = 0;
  for (char c : data) {
    if (c == '\n' && prev != '\r') ++n;
    prev = c;
  }
  return n;
}

}  // namespace

MessageSizes measure_message(std::istream& in) {
  MessageSizes s;
  char buf[65536];
  char prev = 0;
  while (in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    s.physical += static_cast<uint64_t>(n);
    s.virtual_size += count_bare_lfs(std::string_view(buf, static_cast<size_t>(n)), prev);
  }
  if (in.bad()) throw Error(kExitIoErr, "reading the message failed");
  s.virtual_size += s.physical;
  return s;
}

MessageFileWriter::MessageFileWriter(int fd, std::string path, const SaveCompression& compression,
                                     LineEndings endings)
    : fd_(fd), path_(std::move(path)), endings_(endings) {
  compression.check();
  if (compression.format != Compression::kNone)
    deflater_ = std::make_unique<Deflater>(compression.format, compression.level,
                                           [this](std::string_view out) { write_fd(out); });
}

MessageFileWriter::~MessageFileWriter() = default;

void MessageFileWriter::write_fd(std::string_view data) {
  write_all(fd_, data, path_);
  stored_ += data.size();
}

void MessageFileWriter::pass(std::string_view data) {
  if (data.empty()) return;
  sizes_.physical += data.size();
  sizes_.virtual_size += data.size() + count_bare_lfs(data, prev_);
  if (deflater_)
    deflater_->write(data);
  else
    write_fd(data);
}

void MessageFileWriter::flush_head() {
  head_checked_ = true;
  Compression c = detect_compression(head_);
  if (c != Compression::kNone)
    throw Error(kExitDataErr,
                "the message to save is " + std::string(compression_name(c)) +
                    "-compressed; saving compressed mails isn't supported: give "
                    "the plain message (compression is a storage setting, zlib_save)");
  std::string head = std::move(head_);
  head_.clear();
  convert(head);
}

void MessageFileWriter::convert(std::string_view data) {
  if (endings_ == LineEndings::kKeep) return pass(data);
  to_lf_.feed(data, converted_);
  pass(converted_);
}

void MessageFileWriter::write(std::string_view data) {
  if (head_checked_) return convert(data);
  head_.append(data);
  if (head_.size() >= kCompressionMagicMax) flush_head();
}

void MessageFileWriter::write_stream(std::istream& in) {
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    write(std::string_view(buf, static_cast<size_t>(n)));
  }
  if (in.bad()) throw Error(kExitIoErr, "reading the message to save failed");
}

void MessageFileWriter::finish() {
  if (!head_checked_) flush_head();
  if (endings_ == LineEndings::kLf) pass(to_lf_.finish());
  if (deflater_) deflater_->finish();
}

}  // namespace roost
