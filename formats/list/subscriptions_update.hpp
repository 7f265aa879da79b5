#pragma once
#include <string>
#include <vector>

namespace roost {

// The `subscriptions` file at `path` read and changed under its dotlock
// (`<path>.lock`, the lock Dovecot takes too), replaced with temp + fsync +
// rename. Names use `separator`.
std::vector<std::string> read_subscriptions_file(const std::string& path, char separator);
void update_subscriptions_file(const std::string& path, const std::string& name, bool subscribed,
                               char separator, bool fsync);

}  // namespace roost
