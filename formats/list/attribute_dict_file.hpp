#pragma once
#include <map>
#include <string>
#include <string_view>

#include "formats/model/mailbox_attribute.hpp"

namespace roost {

// `dovecot-attributes`: the file Dovecot's dict "file" driver keeps
// (mail_attribute_dict = file:<dir>/dovecot-attributes). Lines alternate
// key and value, each tab-escaped (\001 escapes), in no particular order;
// a key without a value line is ignored and a repeated key's last value
// wins. Mailbox attributes are keyed "priv/<mailbox guid>/<key>" and
// "shared/<mailbox guid>/<key>".
inline constexpr const char* kAttributeDictFile = "dovecot-attributes";

using AttributeDict = std::map<std::string, std::string>;

AttributeDict parse_attribute_dict(std::string_view data);
std::string serialize_attribute_dict(const AttributeDict& dict);

// "priv/<guid hex>/<key>" or "shared/<guid hex>/<key>".
std::string attribute_dict_key(AttributeType type, const Guid128& mailbox, const std::string& key);
// The dict key prefix of one mailbox's attributes of `type` ("priv/<guid>/").
std::string attribute_dict_prefix(AttributeType type, const Guid128& mailbox);

}  // namespace roost
