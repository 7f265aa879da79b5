#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsync/dsync_channel.hpp"
#include "dsync/dsync_direction.hpp"
#include "dsync/dsync_progress.hpp"
#include "dsync/dsync_state.hpp"
#include "formats/model/storage.hpp"

namespace roost::dsync {

struct BrainSettings {
  bool master = true;
  // Master only (the slave learns them from the handshake):
  Direction direction;
  char sync_type = 'c';  // 'f' full, 'c' changed, 's' with `state`
  StateMap state;
  std::string sync_box;              // -m: only this mailbox
  std::vector<std::string> exclude;  // -x: mailbox masks
  // Master: the namespace prefixes the storage covers (-n/-N; told to the
  // slave), and whether that is every visible namespace (-N).
  std::vector<std::string> namespaces;
  bool all_namespaces = false;
  // Slave: picks the storage for the namespaces the master's handshake
  // names (the storage given to the Brain otherwise); throws to refuse.
  std::function<MailStorage&(const Handshake& master)> choose_storage;
  // Local only (both brains of a local run get it): change nothing, record
  // what would be done in BrainResult::plan.
  bool dry_run = false;
  std::string hostname = "roost";
  std::function<void(const std::string&)> log;  // -v: per-mailbox lines
  // Master only (a local run doesn't pass it to its slave): what is copied.
  std::shared_ptr<ProgressObserver> progress;
};

struct BrainResult {
  StateMap new_state;                          // master: the state to print
  std::vector<std::string> changed_mailboxes;  // changed during the sync (exit 2)
  bool another_pass = false;                   // UID spaces converge on a second pass (no error)
  nlohmann::json plan = nlohmann::json::object();
};

// One side of a sync: exports its mailbox tree and mails to the other brain
// through a Channel and imports what the other side sends, in the item order
// of Dovecot's dsync (dsync-protocol.md §5). The master drives the mailbox
// order; the slave follows. Both decide every change with the same pure
// functions (plan_tree, plan_mailbox), so they converge without a third
// round trip. Throws roost::Error on failure (after telling the peer).
class Brain {
 public:
  Brain(MailStorage& storage, Channel& channel, BrainSettings settings);
  BrainResult run();

 private:
  struct Impl;
  MailStorage& storage_;
  Channel& channel_;
  BrainSettings settings_;
};

}  // namespace roost::dsync
