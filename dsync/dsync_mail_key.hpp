#pragma once
#include <cstdint>
#include <string>

#include "formats/model/storage.hpp"

namespace roost::dsync {

// What identifies a mail when its GUID can't travel (a driver that derives
// its own GUIDs): the header hash (dsync-protocol.md §3.5, version 3) of its
// Date, Message-ID, From and Subject fields. Reads only the header
// (drivers with a header cache don't open the mail file).
std::string mail_header_key(Mailbox& box, uint32_t uid);

}  // namespace roost::dsync
