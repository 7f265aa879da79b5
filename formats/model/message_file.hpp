#pragma once
// Driver-neutral pieces for mail files that may be compressed (the zlib
// plugin's job): every driver that writes a message into a file uses
// MessageFileWriter, every driver that reads one opens it through
// lib/compress/decompress.hpp, so compressed and plain mails mix freely.
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "lib/compress/save_compression.hpp"
#include "lib/strutil.hpp"

namespace roost {

class Deflater;

// The sizes Dovecot records for a message: physical = bytes of the message
// itself (uncompressed; Maildir S=, doveadm size.physical), virtual = with
// every bare LF counted as CRLF (Maildir W=, size.virtual).
struct MessageSizes {
  uint64_t physical = 0;
  uint64_t virtual_size = 0;
};

// Counts the sizes of a (decompressed) message stream.
MessageSizes measure_message(std::istream& in);

// Writes one message to `fd` at its current offset, compressed as
// `compression` says, and counts its sizes. The input is refused when it
// already starts like a compressed file (Dovecot: "Saving mails compressed
// by client isn't supported"): it would be decompressed on every read.
// finish() ends the compressed stream; fsync/close stay with the caller.
// What a save does with line endings. Dovecot stores LF (mail_save_crlf = no,
// its default) in every format: a CRLF message given to save is stored with
// LF, so sizes, file names (S=/W=) and bytes match what Dovecot writes.
// kKeep is for copying bytes that are already stored (never a new save).
enum class LineEndings { kLf, kKeep };

class MessageFileWriter {
 public:
  MessageFileWriter(int fd, std::string path, const SaveCompression& compression,
                    LineEndings endings = LineEndings::kLf);
  ~MessageFileWriter();
  MessageFileWriter(const MessageFileWriter&) = delete;
  MessageFileWriter& operator=(const MessageFileWriter&) = delete;

  void write(std::string_view data);
  // Copies all of `in` (64 KiB at a time).
  void write_stream(std::istream& in);
  void finish();

  const MessageSizes& sizes() const { return sizes_; }
  // Bytes written to the file (the compressed size when compressing).
  uint64_t stored_size() const { return stored_; }

 private:
  void flush_head();
  void convert(std::string_view data);
  void pass(std::string_view data);
  void write_fd(std::string_view data);
  int fd_;
  std::string path_;
  std::unique_ptr<Deflater> deflater_;
  std::string head_;  // the first bytes, held until the compression check
  bool head_checked_ = false;
  char prev_ = 0;
  LineEndings endings_;
  CrlfToLf to_lf_;
  std::string converted_;
  MessageSizes sizes_;
  uint64_t stored_ = 0;
};

}  // namespace roost
