#pragma once
// Writes one message (header + body + metadata block) into a dbox file at a
// given offset: the whole of a new sdbox u.N after its file header, or an
// append to an mdbox m.N. The body is streamed (never held in memory); the
// header's size and the metadata's V (and Z) are filled in from what was
// read. Durability (fsync, rename) is the caller's: it knows whether the
// file is a temp file or a live m.N.
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>

#include "formats/dbox/dbox_metadata.hpp"
#include "formats/model/message_file.hpp"

namespace roost {

// The seam for a body transformation (compression): gets the plaintext in
// chunks and appends what goes on disk to `out`. With an encoder the
// header's size is the on-disk size and Z records the plaintext size, as
// Dovecot's zlib plugin does. Roost has no encoder of its own here yet.
class DboxBodyEncoder {
 public:
  virtual ~DboxBodyEncoder() = default;
  virtual void write(std::string_view plain, std::string& out) = 0;
  virtual void finish(std::string& out) = 0;
};

struct DboxWrittenMessage {
  uint64_t offset = 0;         // of the message header
  uint64_t body_size = 0;      // on disk
  uint64_t physical_size = 0;  // plaintext bytes read from the input
  uint64_t virtual_size = 0;   // plaintext with every bare LF counted as CRLF
  uint64_t end_offset = 0;     // first byte after the metadata block
};

// Writes at `offset` of `fd` (pwrite; the file offset is not used).
// `metadata` gets V (and Z when an encoder changed the size) set before it
// is written. Errors name `name`. A new save passes LineEndings::kLf (stored
// with LF, as Dovecot stores saves); moving stored bytes keeps them.
DboxWrittenMessage write_dbox_message(int fd, uint64_t offset, std::istream& body,
                                      DboxMetadata& metadata, const std::string& name,
                                      DboxBodyEncoder* encoder = nullptr,
                                      LineEndings endings = LineEndings::kKeep);

// pwrite() of all of `data`, or Error naming `name`.
void dbox_pwrite_all(int fd, std::string_view data, uint64_t offset, const std::string& name);

}  // namespace roost
