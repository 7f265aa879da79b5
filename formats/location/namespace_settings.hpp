#pragma once
// Namespaces (C42-C49) as configured with `namespace <name> { ... }` blocks.
#include <string>
#include <vector>

#include "lib/config/config.hpp"

namespace roost {

enum class NamespaceType { kPrivate, kShared, kPublic };
enum class NamespaceListing { kYes, kNo, kChildren };
enum class MailboxAutoCreate { kNo, kCreate, kSubscribe };

// `mailbox <name> { special_use = ...; auto = ... }` inside a namespace.
struct MailboxSettings {
  std::string name;
  std::vector<std::string> special_use;  // "\Sent", "\Trash", ... (RFC 6154)
  MailboxAutoCreate autocreate = MailboxAutoCreate::kNo;
  std::string autoexpunge;  // as written ("0" = never), e.g. "30d"
};

struct NamespaceSettings {
  std::string name;  // the section name ("inbox"; "" for an unnamed block)
  NamespaceType type = NamespaceType::kPrivate;
  std::string prefix;
  char separator = 0;  // 0 = the mail_location layout's default
  bool inbox = false;
  bool hidden = false;
  NamespaceListing list = NamespaceListing::kYes;
  bool subscriptions = true;
  bool ignore_on_failure = false;
  bool disabled = false;
  unsigned order = 0;
  std::string location;  // unexpanded; "" = the user's mail_location
  std::vector<MailboxSettings> mailboxes;
  bool implicit = false;  // the default namespace made up when none is configured
};

// The namespaces of `config`, in configuration order, skipping disabled=yes
// ones. Without any namespace block, one implicit private namespace (prefix
// "", inbox=yes). Throws kExitConfig for invalid settings or combinations:
// two inbox=yes namespaces, none with inbox=yes, duplicate prefixes, a
// listed prefix not ending with the separator, list=yes namespaces with
// different separators.
std::vector<NamespaceSettings> load_namespaces(const Config& config);

// The namespace settings validation alone (load_namespaces calls it).
void validate_namespaces(const std::vector<NamespaceSettings>& namespaces);

const char* namespace_type_name(NamespaceType type);

}  // namespace roost
