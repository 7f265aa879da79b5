#include "dsync/dsync_mail_key.hpp"

#include "dsync/dsync_wire.hpp"
#include "formats/mime/header.hpp"
#include "lib/strutil.hpp"

namespace roost::dsync {

std::string mail_header_key(Mailbox& box, uint32_t uid) {
  HeaderBlock hb = parse_header_block(box.read_header(uid));
  std::string subset;
  for (const char* name : {"Date", "Message-ID", "From", "Subject"})
    if (auto v = hb.first(name)) subset += std::string(name) + ": " + std::string(trim(*v)) + "\n";
  return header_hash_v3(subset + "\n");
}

}  // namespace roost::dsync
