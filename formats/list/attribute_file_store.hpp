#pragma once
#include <memory>
#include <string>
#include <vector>

#include "formats/model/mailbox_attribute.hpp"

namespace roost {

// The AttributeStore every driver uses: the attributes of all mailboxes of
// one storage in `<dir>/dovecot-attributes` (Dovecot's dict-file layout, so
// Dovecot with `mail_attribute_dict = file:<dir>/dovecot-attributes` reads
// and writes the same entries) plus `<dir>/roost-attributes` for change
// times, modseqs and tombstones. Writers take the dict's dotlock (as
// Dovecot's dict-file does) and replace both files by temp + fsync + rename.
// An entry changed or removed by another program since Roost wrote it is
// reported with the dict file's mtime as its change time. Reads keep the
// parsed files while neither file changed on disk (inode, size, mtime), so
// one store shared by a storage's mailboxes reads them once per change.
class AttributeFileStore : public AttributeStore {
 public:
  AttributeFileStore(std::string dir, bool fsync = true);
  std::vector<MailboxAttribute> list(const Guid128& mailbox) override;
  bool empty() override;
  void set(const Guid128& mailbox, const MailboxAttribute& attr) override;
  void mark_synced(const Guid128& mailbox, const std::vector<MailboxAttribute>& agreed) override;
  // Forgets every attribute of a deleted mailbox (as Dovecot deletes them
  // with the mailbox). Drivers call it from delete_mailbox().
  void remove_mailbox(const Guid128& mailbox);

 private:
  struct Cached;
  std::shared_ptr<const Cached> read_cached();

  std::string dir_;
  bool fsync_;
  std::shared_ptr<const Cached> cache_;
};

}  // namespace roost
