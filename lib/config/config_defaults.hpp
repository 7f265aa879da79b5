#pragma once
// The settings Roost understands, with Dovecot 2.3.19's default values (as
// `doveconf -a` prints them), so a site's dovecot.conf means the same thing
// to Roost as to Dovecot.
#include <optional>
#include <string_view>
#include <vector>

namespace roost {

struct ConfigDefault {
  std::string_view key;
  std::string_view value;
};

// Global settings Roost reads, sorted by key.
const std::vector<ConfigDefault>& global_config_defaults();
// Settings of a section type Roost reads ("namespace", "mailbox", "passdb",
// "userdb"); empty for section types Roost does not use.
const std::vector<ConfigDefault>& section_config_defaults(std::string_view section_type);

std::optional<std::string_view> global_config_default(std::string_view key);
std::optional<std::string_view> section_config_default(std::string_view section_type,
                                                       std::string_view key);

// True for the section types whose contents Roost reads.
bool section_type_is_used(std::string_view section_type);
// True for a key of such a section that Roost reads (with or without a
// default, e.g. plugin/zlib_save).
bool section_key_is_used(std::string_view section_type, std::string_view key);

}  // namespace roost
