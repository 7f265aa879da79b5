#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace roost::dsync {

// What a run copies, as it happens, for a progress display. Only the brain
// given one reports (the CLI gives it to the local master): mails it saves
// from the peer and mails it sends to the peer both count as copied. A run
// of several passes (`settle`) starts each pass with tree_planned.
class ProgressObserver {
 public:
  virtual ~ProgressObserver() = default;
  // The mailbox tree is planned: `mailboxes` will be synced in this pass.
  virtual void tree_planned(size_t mailboxes) = 0;
  // A mailbox's plan is known: `saves` mails to copy, `bytes` of them whose
  // size is known before they travel (the ones this side sends or copies).
  // Not called for a mailbox with nothing to compare (unchanged since the state).
  virtual void mailbox_begin(const std::string& name, size_t saves, uint64_t bytes) = 0;
  // One mail saved or sent, `bytes` long.
  virtual void mail_copied(uint64_t bytes) = 0;
  // Once per mailbox of the pass, when it is done.
  virtual void mailbox_end(const std::string& name) = 0;
};

}  // namespace roost::dsync
