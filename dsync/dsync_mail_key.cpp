#include "dsync/dsync_mail_key.hpp"

#include "formats/mime/header_key.hpp"

namespace roost::dsync {

std::string mail_header_key(Mailbox& box, uint32_t uid) {
  return roost::mail_header_key(box.read_header(uid));
}

}  // namespace roost::dsync
