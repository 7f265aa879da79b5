#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "formats/index/dovecot/index_file.hpp"

namespace roost {

// Just the base header of a Dovecot `dovecot.index` (for state Maildir files
// don't record, such as where \Recent starts), without loading the records:
// the full reader is formats/index/dovecot/. Only the little-endian v7
// format is accepted.
std::optional<DovecotBaseHeader> parse_dovecot_index_header(std::string_view data);
// Reads the first bytes of `<dir>/dovecot.index`; nullopt if absent or not one.
std::optional<DovecotBaseHeader> read_dovecot_index_header(const std::string& dir);

}  // namespace roost
