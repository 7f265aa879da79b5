#include "formats/model/expunge_key.hpp"

#include "formats/mime/header_key.hpp"

namespace roost {

std::string expunge_key(Mailbox& box, uint32_t uid) noexcept {
  try {
    return mail_header_key(box.read_header(uid));
  } catch (...) {
    return {};
  }
}

}  // namespace roost
