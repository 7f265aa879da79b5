#pragma once
#include <cstdint>
#include <string>

#include "formats/model/storage.hpp"

namespace roost {

// The header key (formats/mime/header_key.hpp) of `uid`, for a driver to
// record with the expunge it is about to make (ExpungeRecord::hdr_key);
// empty when the header can't be read (the mail is already gone): the
// expunge then carries no key, as those made before keys existed.
std::string expunge_key(Mailbox& box, uint32_t uid) noexcept;

}  // namespace roost
