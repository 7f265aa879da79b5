#pragma once
#include <memory>
#include <string>
#include <vector>

#include "formats/model/mailbox_attribute.hpp"

namespace roost {

// The AttributeStore every driver uses: the attributes of all mailboxes of
// one storage in a dict file in Dovecot's dict-file layout (by default
// `<list dir>/dovecot-attributes`, or what mail_attribute_dict names, so a
// Dovecot with `mail_attribute_dict = file:<that path>` reads and writes the
// same entries) plus a side file for change times, modseqs and tombstones:
// `roost-attributes` beside a dict named `dovecot-attributes`, else
// `<dict path>.roost` (two users' dicts may share a directory). Writers take
// the dict's dotlock (as Dovecot's dict-file does) and replace both files by
// temp + fsync + rename.
// An entry changed or removed by another program since Roost wrote it is
// reported with the dict file's mtime as its change time. Reads keep the
// parsed files while neither file changed on disk (inode, size, mtime), so
// one store shared by a storage's mailboxes reads them once per change.
class AttributeFileStore : public AttributeStore {
 public:
  // `dict_path`: the dict file (formats/list/attribute_dict_setting.hpp).
  explicit AttributeFileStore(std::string dict_path, bool fsync = true);
  // The side file kept beside `dict_path`.
  static std::string changes_path_for(const std::string& dict_path);
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

  std::string dict_path_;
  std::string changes_path_;
  bool fsync_;
  std::shared_ptr<const Cached> cache_;
};

}  // namespace roost
