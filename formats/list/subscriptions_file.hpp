#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// The `subscriptions` file (pure). Version 2 (`V\t2\n\n`, then per line the
// name's hierarchy levels joined with TAB, each tab-escaped) is written;
// version 1 (one name per line, in the namespace separator) is read too.
// Names in and out use `separator`.
std::vector<std::string> parse_subscriptions(std::string_view data, char separator);
std::string serialize_subscriptions(const std::vector<std::string>& names, char separator);

}  // namespace roost
