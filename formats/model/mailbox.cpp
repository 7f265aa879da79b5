#include "formats/mime/header.hpp"
#include "formats/model/storage.hpp"

namespace roost {

std::string Mailbox::read_header(uint32_t uid) {
  auto in = open_message(uid);
  return read_header_text(*in);
}

bool Mailbox::update(const MailboxUpdate&) {
  return false;
}

}  // namespace roost
