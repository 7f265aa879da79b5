#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// The `subscriptions` file (pure). Version 2 (`V\t2\n\n`, then per line the
// name's hierarchy levels joined with TAB, each tab-escaped) is written;
// version 1 (one name per line, in the namespace separator) is read too.
// Names in and out use `separator` and are UTF-8 (the model's names); on
// disk each hierarchy level is modified UTF-7, as Dovecot writes it, unless
// the store keeps UTF-8 names (mail_location's UTF8 option: `utf8_names`).
// A level that isn't valid modified UTF-7 is taken as it is.
std::vector<std::string> parse_subscriptions(std::string_view data, char separator,
                                             bool utf8_names = false);
std::string serialize_subscriptions(const std::vector<std::string>& names, char separator,
                                    bool utf8_names = false);

}  // namespace roost
