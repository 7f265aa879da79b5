#include <map>
#include <mutex>

#include "formats/model/storage.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
std::map<std::string, StorageFactoryFn>& registry() {
  static std::map<std::string, StorageFactoryFn> r;
  return r;
}
}  // namespace

void register_storage_driver(const std::string& format, StorageFactoryFn fn) {
  registry()[format] = std::move(fn);
}

std::vector<std::string> storage_driver_names() {
  std::vector<std::string> out;
  for (auto& [k, v] : registry()) out.push_back(k);
  return out;
}

std::unique_ptr<MailStorage> open_storage(const MailLocation& location,
                                          const StorageSettings& settings) {
  auto it = registry().find(location.format);
  if (it == registry().end())
    throw Error(kExitConfig, "unknown mail storage format '" + location.format +
                                 "' in mail_location (known: " +
                                 join(storage_driver_names(), ", ") + ")");
  return it->second(location, settings);
}

void validate_mailbox_name(const std::string& name, char separator) {
  if (name.empty()) throw Error(kExitUsage, "empty mailbox name");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      throw Error(kExitUsage, "mailbox name '" + name + "' contains a control character");
  if (separator != '/' && name.find('/') != std::string::npos)
    throw Error(kExitUsage, "mailbox name '" + name + "' contains '/', which is not allowed");
  for (const auto& part : split(name, separator)) {
    if (part.empty())
      throw Error(kExitUsage, "mailbox name '" + name + "' has an empty hierarchy level");
    if (part == "." || part == "..")
      throw Error(kExitUsage, "mailbox name '" + name + "' contains '" + part +
                                  "', which could escape the mail directory");
    if (part[0] == '~')
      throw Error(kExitUsage, "mailbox name '" + name + "' starts a level with '~'");
  }
}

}  // namespace roost
