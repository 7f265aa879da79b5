#pragma once
// Reads the messages of one dbox mail file: an sdbox u.N (one message) or
// an mdbox m.N (many, back to back). The file header is read on open; each
// message's header and metadata are read with pread, the body is never
// loaded (body_stream() streams it).
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_message_header.hpp"
#include "formats/dbox/dbox_metadata.hpp"

namespace roost {

struct DboxMessage {
  uint64_t offset = 0;       // of the message header (mdbox map offset)
  uint64_t body_offset = 0;  // first body byte
  uint64_t body_size = 0;    // body bytes on disk (the header's size)
  uint64_t end_offset = 0;   // first byte after the metadata block (next message)
  DboxMessageHeader header;
  DboxMetadata metadata;
  // Total bytes of header + body + metadata (mdbox map record size).
  uint64_t total_size() const { return end_offset - offset; }
};

class DboxFileReader {
 public:
  // Takes ownership of `fd`; `name` (usually the path) is used in errors.
  // Reads and checks the file header: Error(kExitDataErr) when broken.
  DboxFileReader(int fd, std::string name);
  // Opens `path`. Error(kExitNotFound) when it doesn't exist.
  static std::unique_ptr<DboxFileReader> open(const std::string& path);
  ~DboxFileReader();
  DboxFileReader(const DboxFileReader&) = delete;
  DboxFileReader& operator=(const DboxFileReader&) = delete;

  const DboxFileHeader& file_header() const { return header_; }
  const std::string& name() const { return name_; }
  uint64_t file_size() const { return file_size_; }
  // Offset of the first message.
  uint64_t first_offset() const { return header_.header_size; }

  // The message whose header starts at `offset`. Error(kExitDataErr) naming
  // the file and offset when the header, body extent or metadata is broken
  // (truncated files included).
  DboxMessage read_message(uint64_t offset);
  // Iterates from first_offset(): nullopt after the last message (end of
  // file exactly at a message boundary).
  std::optional<DboxMessage> next();
  // The body of `m` as a stream of its own (a dup of the fd; it outlives
  // the reader).
  std::unique_ptr<std::istream> body_stream(const DboxMessage& m) const;

 private:
  std::string pread_some(uint64_t offset, size_t len) const;

  int fd_;
  std::string name_;
  uint64_t file_size_ = 0;
  DboxFileHeader header_;
  uint64_t next_offset_ = 0;
};

}  // namespace roost
