#pragma once
#include <string>

#include "formats/index/dovecot/index_view.hpp"

namespace roost {

// Reads `<dir>/<prefix>` (optional), `<prefix>.log` and `<prefix>.log.2` and
// replays the log tail the snapshot doesn't have yet (mail-index-format.md
// §5). Throws roost::Error: kExitNoInput when none of the files exists,
// kExitDataErr naming the file when one is corrupt.
DovecotIndexView load_dovecot_index_view(const std::string& dir, const std::string& prefix);

}  // namespace roost
