#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "formats/model/message_file.hpp"

namespace {

// Writes `chunks` through a MessageFileWriter into a temp file; returns the bytes.
std::string write_through(const std::vector<std::string>& chunks, roost::LineEndings endings,
                          roost::MessageSizes* sizes = nullptr) {
  char path[] = "/tmp/roost-message-file-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  {
    roost::MessageFileWriter w(fd, path, roost::SaveCompression{}, endings);
    for (const auto& c : chunks) w.write(c);
    w.finish();
    if (sizes) *sizes = w.sizes();
  }
  std::string out;
  char buf[4096];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  unlink(path);
  return out;
}

}  // namespace

TEST_CASE("a save stores LF line endings, also when CRLF is split across writes",
          "[message_file]") {
  roost::MessageSizes sizes;
  std::string out = write_through({"Subject: x\r", "\nFrom: a@b\r\n\r\nbody\r", "\n", "lone\rcr\r"},
                                  roost::LineEndings::kLf, &sizes);
  CHECK(out == "Subject: x\nFrom: a@b\n\nbody\nlone\rcr\r");
  CHECK(sizes.physical == out.size());
  // Virtual size counts every LF as CRLF: 4 LFs.
  CHECK(sizes.virtual_size == out.size() + 4);
}

TEST_CASE("copying stored bytes keeps their line endings", "[message_file]") {
  CHECK(write_through({"a\r\nb\r\n"}, roost::LineEndings::kKeep) == "a\r\nb\r\n");
}
