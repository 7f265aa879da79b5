#include "formats/list/mailbox_deleted.hpp"

#include "formats/list/attribute_dict_setting.hpp"
#include "formats/list/attribute_file_store.hpp"
#include "formats/list/deleted_mailboxes_file.hpp"
#include "lib/error.hpp"

namespace roost {

void record_mailbox_deleted(const std::string& list_dir, const Guid128& guid,
                            const StorageSettings& settings) {
  record_deleted_mailbox(list_dir, guid);
  // A dict Roost can't use (mail_attribute_dict) keeps what it has.
  std::string dict;
  try {
    dict = attribute_dict_file(list_dir, settings);
  } catch (const Error&) {
    return;
  }
  AttributeFileStore(dict, settings.fsync).remove_mailbox(guid);
}

}  // namespace roost
