// Fuzzes the dbox file code: the header line, the message header, the
// metadata block (whatever parses must format and parse back the same) and
// the file reader walking a whole file (fed through a memfd).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_file_reader.hpp"
#include "formats/dbox/dbox_message_header.hpp"
#include "formats/dbox/dbox_metadata.hpp"
#include "lib/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    auto h = roost::parse_dbox_file_header(in, "fuzz");
    auto again = roost::parse_dbox_file_header(roost::format_dbox_file_header(h), "fuzz");
    if (again.version != h.version || again.msg_header_size != h.msg_header_size) abort();
  } catch (const roost::Error&) {
  }
  try {
    auto mh = roost::parse_dbox_message_header(in, 30, "fuzz", 0);
    std::string f = roost::format_dbox_message_header(mh.body_size);
    if (roost::parse_dbox_message_header(f, 30, "fuzz", 0).body_size != mh.body_size) abort();
  } catch (const roost::Error&) {
  }
  try {
    auto p = roost::parse_dbox_metadata(in, "fuzz", 0);
    if (p.status == roost::DboxMetadataParse::kComplete) {
      bool writable = true;
      for (const auto& f : p.metadata.fields)
        if (f.key == ' ' || f.key == '\n') writable = false;
      if (writable) {
        auto q = roost::parse_dbox_metadata(roost::format_dbox_metadata(p.metadata), "fuzz", 0);
        if (q.status != roost::DboxMetadataParse::kComplete || !(q.metadata == p.metadata)) abort();
      }
    }
  } catch (const roost::Error&) {
  }
  int fd = memfd_create("fuzz_dbox", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return 0;
  }
  try {
    roost::DboxFileReader reader(fd, "fuzz");
    int n = 0;
    while (auto m = reader.next()) {
      if (m->end_offset <= m->offset || m->end_offset > reader.file_size()) abort();
      if (++n > 10000) break;
    }
  } catch (const roost::Error&) {
  }
  return 0;
}
