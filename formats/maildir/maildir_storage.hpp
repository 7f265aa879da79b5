#pragma once
namespace roost {
// Registers the "maildir" format with the storage factory.
void register_maildir_driver();
}  // namespace roost
