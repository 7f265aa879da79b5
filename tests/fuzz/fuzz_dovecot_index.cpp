// Fuzzes the readers of Dovecot's own index files (dovecot.index,
// dovecot.index.log, dovecot.map.index): the input is used whole as each
// file, and split in two as an index plus the log replayed on top of it.
// Bad bytes must end in roost::Error, never a crash or a hang.
#include <cstdint>
#include <string>

#include "formats/index/dovecot/index_view.hpp"
#include "formats/index/dovecot/mailbox_index.hpp"
#include "formats/index/dovecot/map_index.hpp"
#include "lib/error.hpp"

namespace {

void replay(std::string_view index, std::string_view log) {
  try {
    roost::DovecotIndexView v = roost::empty_dovecot_index_view();
    uint32_t start = 0;
    if (!index.empty()) {
      v = roost::dovecot_index_view_from_file(roost::parse_dovecot_index_file(index, "i"), "i");
      start = v.header().log_file_head_offset;
    }
    if (!log.empty()) roost::apply_dovecot_log(v, roost::parse_dovecot_log(log, "l"), start, "l");
    (void)roost::dovecot_mailbox_index_from_view(v);
    (void)roost::dovecot_map_index_from_view(v);
  } catch (const roost::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  replay(in, {});
  replay({}, in);
  if (size >= 2) {
    // The first two bytes say where the index ends and the log begins.
    const size_t split = (static_cast<size_t>(data[0]) | static_cast<size_t>(data[1]) << 8) %
                         (size - 1);
    replay(in.substr(2, split), in.substr(2 + split));
  }
  return 0;
}
