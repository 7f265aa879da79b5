#pragma once
#include <optional>
#include <string>

#include "cli/mail_user.hpp"
#include "lib/config/config.hpp"

namespace roost::cli {

// A mailbox's special-use flags ("\Sent" or "\Archive \Flagged"): the
// /private/specialuse attribute when the mailbox has one (set with
// `mailbox metadata set` or brought by a sync), else the namespace's
// `mailbox <name> { special_use = ... }`. "" when neither says.
std::string special_use_of(const Config& config, OpenNamespace& ns,
                           const std::string& storage_name);

// The mailbox (name inside ns) with special-use flag `flag` (e.g. "\Trash",
// case-insensitive): by attribute first, then by configuration, then as
// the driver lists it. nullopt when none has it.
std::optional<std::string> mailbox_with_special_use(const Config& config, OpenNamespace& ns,
                                                    const std::string& flag);

}  // namespace roost::cli
