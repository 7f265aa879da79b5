#include "formats/model/mailbox_attribute.hpp"

#include <xxhash.h>

#include "lib/error.hpp"

namespace roost {

std::pair<AttributeType, std::string> parse_attribute_name(const std::string& name) {
  static const std::string priv = "/private/", shared = "/shared/";
  std::pair<AttributeType, std::string> out;
  if (name.compare(0, priv.size(), priv) == 0) {
    out = {AttributeType::kPrivate, name.substr(priv.size())};
  } else if (name.compare(0, shared.size(), shared) == 0) {
    out = {AttributeType::kShared, name.substr(shared.size())};
  } else {
    throw Error(kExitUsage, "metadata key '" + name +
                                "' must start with /private/ or /shared/ (e.g. /private/comment)");
  }
  const std::string& key = out.second;
  if (key.empty() || key.back() == '/' || key.find("//") != std::string::npos)
    throw Error(kExitUsage, "metadata key '" + name + "' has an empty component");
  for (unsigned char c : key)
    if (c < 0x20 || c == 0x7f || c == '*' || c == '%')
      throw Error(kExitUsage, "metadata key '" + name +
                                  "' contains a control character or wildcard (not allowed "
                                  "by RFC 5464)");
  return out;
}

uint64_t attribute_state_hash(const MailboxAttribute& attr) {
  constexpr uint64_t kDeleted = 0x9e3779b97f4a7c15ull;
  return attr.deleted ? kDeleted : XXH3_64bits(attr.value.data(), attr.value.size());
}

std::string attribute_name(AttributeType type, const std::string& key) {
  return (type == AttributeType::kPrivate ? "/private/" : "/shared/") + key;
}

}  // namespace roost
