#include "formats/mime/header.hpp"
#include "formats/model/storage.hpp"

namespace roost {

std::string Mailbox::read_header(uint32_t uid) {
  auto in = open_message(uid);
  return read_header_text(*in);
}

uint32_t MailTransaction::copy(Mailbox& source, const MessageRecord& rec, const SaveRequest& req) {
  auto in = source.open_message(rec.uid);
  return save(*in, req);
}

void MailTransaction::set_alt_storage(uint32_t, bool) {}

bool Mailbox::update(const MailboxUpdate&) {
  return false;
}

}  // namespace roost
