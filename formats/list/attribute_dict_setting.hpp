#pragma once
#include <memory>
#include <string>

#include "formats/model/location.hpp"
#include "formats/model/mailbox_attribute.hpp"

namespace roost {

// `mail_attribute_dict` -> the dict file Roost keeps mailbox attributes in.
// `value` comes with its %-variables (%u, %h, ...) expanded. "" means the
// setting is empty: Roost then uses `<list dir>/dovecot-attributes` (where
// Dovecot, with the setting empty, keeps no attributes at all) and this
// returns "". `file:<path>` gives <path>: "~" and "~/..." are taken from
// `home`, as Dovecot's dict-file does, and so is a relative path. Any
// other dict type (redis:, proxy:, fs:, sql: ...), a file dict option
// (:lock=fcntl or :lock=flock, which would lock differently from Roost's
// dotlock) or a path that needs a home the user doesn't have throws
// Error(kExitConfig) naming the setting.
std::string attribute_dict_path(const std::string& value, const std::string& home);

// The dict file of a storage whose mailbox-list files live in `list_dir`:
// what settings.attribute_dict names (resolved with settings.home), else
// `<list dir>/dovecot-attributes`. Throws as attribute_dict_path() does.
std::string attribute_dict_file(const std::string& list_dir, const StorageSettings& settings);

// The attribute store on attribute_dict_file(list_dir, settings). A setting Roost
// can't use doesn't stop the storage from opening: the store it gives
// throws that setting's Error(kExitConfig) on every use.
std::shared_ptr<AttributeStore> open_attribute_store(const std::string& list_dir,
                                                     const StorageSettings& settings);

}  // namespace roost
