#include "formats/list/mailbox_deleted.hpp"

#include "formats/list/attribute_file_store.hpp"
#include "formats/list/deleted_mailboxes_file.hpp"

namespace roost {

void record_mailbox_deleted(const std::string& list_dir, const Guid128& guid, bool fsync) {
  record_deleted_mailbox(list_dir, guid);
  AttributeFileStore(list_dir, fsync).remove_mailbox(guid);
}

}  // namespace roost
