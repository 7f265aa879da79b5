#include "formats/mime/header.hpp"
#include "formats/model/storage.hpp"
#include "lib/error.hpp"

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

AttributeStore& Mailbox::attribute_store() {
  if (!attribute_store_)
    throw Error(kExitUnavailable, "mailbox " + name() +
                                      ": this storage doesn't keep mailbox attributes (METADATA); "
                                      "use a maildir, mbox, sdbox or mdbox location");
  return *attribute_store_;
}

std::vector<MailboxAttribute> Mailbox::attributes(bool with_deleted) {
  if (attribute_store().empty()) return {};
  auto all = attribute_store().list(status().guid);
  if (!with_deleted) std::erase_if(all, [](const MailboxAttribute& a) { return a.deleted; });
  return all;
}

std::optional<MailboxAttribute> Mailbox::attribute(AttributeType type, const std::string& key) {
  if (attribute_store().empty()) return std::nullopt;
  for (auto& a : attribute_store().list(status().guid))
    if (a.type == type && a.key == key && !a.deleted) return std::move(a);
  return std::nullopt;
}

void Mailbox::set_attribute(const MailboxAttribute& attr) {
  AttributeStore& store = attribute_store();
  Guid128 guid = status().guid;
  if (guid.empty())
    throw Error(kExitUnavailable,
                "mailbox " + name() + " has no GUID yet; attributes need one (run a sync first)");
  store.set(guid, attr);
  raise_highest_modseq();
}

void Mailbox::mark_attributes_synced(const std::vector<MailboxAttribute>& agreed) {
  if (agreed.empty()) return;
  attribute_store().mark_synced(status().guid, agreed);
}

void Mailbox::unset_attribute(AttributeType type, const std::string& key) {
  MailboxAttribute a;
  a.type = type;
  a.key = key;
  a.deleted = true;
  set_attribute(a);
}

}  // namespace roost
