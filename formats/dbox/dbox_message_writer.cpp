#include "formats/dbox/dbox_message_writer.hpp"

#include <unistd.h>

#include <cerrno>

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_message_header.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

void dbox_pwrite_all(int fd, std::string_view data, uint64_t offset, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write dbox file", name);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
}

DboxWrittenMessage write_dbox_message(int fd, uint64_t offset, std::istream& body,
                                      DboxMetadata& metadata, const std::string& name,
                                      DboxBodyEncoder* encoder, LineEndings endings) {
  DboxWrittenMessage out;
  out.offset = offset;
  uint64_t at = offset + kDboxMessageHeaderSize;
  uint64_t bare_lf = 0;
  char prev = 0;
  char buf[65536];
  std::string encoded;
  std::string lf;  // the chunk with CRLF turned into LF
  CrlfToLf to_lf;
  auto put = [&](std::string_view chunk) {
    if (chunk.empty()) return;
    for (char c : chunk) {
      if (c == '\n' && prev != '\r') ++bare_lf;
      prev = c;
    }
    out.physical_size += chunk.size();
    if (encoder) {
      encoded.clear();
      encoder->write(chunk, encoded);
      chunk = encoded;
    }
    dbox_pwrite_all(fd, chunk, at, name);
    at += chunk.size();
  };
  while (body) {
    body.read(buf, sizeof buf);
    std::streamsize n = body.gcount();
    if (n <= 0) break;
    std::string_view chunk(buf, static_cast<size_t>(n));
    if (endings == LineEndings::kLf) {
      to_lf.feed(chunk, lf);
      chunk = lf;
    }
    put(chunk);
  }
  if (body.bad()) throw Error(kExitIoErr, "reading the message to save into " + name + " failed");
  if (endings == LineEndings::kLf) put(to_lf.finish());
  if (encoder) {
    encoded.clear();
    encoder->finish(encoded);
    dbox_pwrite_all(fd, encoded, at, name);
    at += encoded.size();
  }
  out.body_size = at - offset - kDboxMessageHeaderSize;
  out.virtual_size = out.physical_size + bare_lf;
  if (out.body_size != out.physical_size) metadata.set_physical_size(out.physical_size);
  metadata.set_virtual_size(out.virtual_size);
  std::string tail = format_dbox_metadata(metadata);
  dbox_pwrite_all(fd, tail, at, name);
  out.end_offset = at + tail.size();
  dbox_pwrite_all(fd, format_dbox_message_header(out.body_size), offset, name);
  return out;
}

}  // namespace roost
