#pragma once
// "Open this, decompressing if it is compressed": recognizes the format by
// its magic bytes, as Dovecot's zlib plugin does on every read, so
// compressed and plain files can sit side by side.
#include <istream>
#include <memory>
#include <string>

#include "lib/compress/compression.hpp"

namespace roost {

// The compression of the file open on `fd`, from its first bytes (read with
// pread: the file offset is not moved).
Compression detect_fd_compression(int fd, const std::string& name);

// A stream of `fd`'s contents (owns `fd`): the bytes themselves when they
// are plain, decompressed when gzip. Any other compression Dovecot can
// write (bz2, xz, lz4, zstd) throws Error(kExitDataErr) naming `name`, the
// format and the command that decompresses it.
std::unique_ptr<std::istream> open_fd_decompressing(int fd, const std::string& name);

// The same for a stream that is already open (e.g. a message inside a
// bigger file): peeks at its first bytes and replays them.
std::unique_ptr<std::istream> decompress_if_needed(std::unique_ptr<std::istream> src,
                                                   const std::string& name);

// The error open_fd_decompressing() throws for a format Roost can't read.
[[noreturn]] void throw_unsupported_compression(Compression c, const std::string& name);

}  // namespace roost
