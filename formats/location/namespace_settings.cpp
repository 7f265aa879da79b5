#include "formats/location/namespace_settings.hpp"

#include <set>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

std::string where(const ConfigSection& sec) {
  std::string w = "namespace " + (sec.name.empty() ? std::string("(unnamed)") : sec.name);
  if (!sec.file.empty()) w += " at " + sec.file + ":" + std::to_string(sec.line);
  return w;
}

bool parse_bool(const ConfigSection& sec, std::string_view key, bool fallback,
                const std::string& context) {
  if (!sec.has(key)) return fallback;
  std::string v = to_lower(trim(sec.get(key)));
  if (v == "yes" || v == "y" || v == "1") return true;
  if (v == "no" || v == "n" || v == "0") return false;
  throw Error(kExitConfig, context + ": " + std::string(key) + " = " + v + ": expected yes or no");
}

std::string display_name(const NamespaceSettings& ns) {
  return ns.name.empty() ? "with prefix '" + ns.prefix + "'" : ns.name;
}

MailboxSettings load_mailbox(const ConfigSection& sec, const std::string& context) {
  MailboxSettings box;
  box.name = sec.name;
  std::string ctx = context + " mailbox " + sec.name;
  if (box.name.empty()) throw Error(kExitConfig, ctx + ": mailbox sections need a name");
  box.special_use = split_ws(sec.get("special_use"));
  for (const std::string& use : box.special_use) {
    static const std::set<std::string> kKnown = {"\\All",     "\\Archive", "\\Drafts", "\\Flagged",
                                                 "\\Important", "\\Junk",  "\\Sent",   "\\Trash"};
    if (kKnown.count(use) == 0) {
      throw Error(kExitConfig, ctx + ": unknown special_use " + use +
                                   " (use \\All \\Archive \\Drafts \\Flagged \\Important \\Junk "
                                   "\\Sent or \\Trash)");
    }
  }
  std::string autocreate = to_lower(trim(sec.get("auto", "no")));
  if (autocreate == "no") box.autocreate = MailboxAutoCreate::kNo;
  else if (autocreate == "create") box.autocreate = MailboxAutoCreate::kCreate;
  else if (autocreate == "subscribe") box.autocreate = MailboxAutoCreate::kSubscribe;
  else throw Error(kExitConfig, ctx + ": auto = " + autocreate + ": expected no, create or subscribe");
  box.autoexpunge = std::string(trim(sec.get("autoexpunge", "0")));
  return box;
}

}  // namespace

const char* namespace_type_name(NamespaceType type) {
  switch (type) {
    case NamespaceType::kPrivate: return "private";
    case NamespaceType::kShared: return "shared";
    case NamespaceType::kPublic: return "public";
  }
  return "private";
}

std::vector<NamespaceSettings> load_namespaces(const Config& config) {
  std::vector<NamespaceSettings> out;
  std::vector<const ConfigSection*> sections = config.sections("namespace");
  if (sections.empty()) {
    NamespaceSettings ns;
    ns.inbox = true;
    ns.implicit = true;
    out.push_back(ns);
    return out;
  }
  for (const ConfigSection* sec : sections) {
    std::string ctx = where(*sec);
    NamespaceSettings ns;
    ns.name = sec->name;
    ns.disabled = parse_bool(*sec, "disabled", false, ctx);
    if (ns.disabled) continue;
    std::string type = to_lower(trim(sec->get("type", "private")));
    if (type == "private") ns.type = NamespaceType::kPrivate;
    else if (type == "shared") ns.type = NamespaceType::kShared;
    else if (type == "public") ns.type = NamespaceType::kPublic;
    else throw Error(kExitConfig, ctx + ": type = " + type + ": expected private, shared or public");
    ns.prefix = sec->get("prefix");
    std::string sep = sec->get("separator");
    if (sep.size() > 1) {
      throw Error(kExitConfig, ctx + ": separator = " + sep + ": must be a single character");
    }
    ns.separator = sep.empty() ? 0 : sep[0];
    ns.inbox = parse_bool(*sec, "inbox", false, ctx);
    ns.hidden = parse_bool(*sec, "hidden", false, ctx);
    std::string list = to_lower(trim(sec->get("list", "yes")));
    if (list == "yes") ns.list = NamespaceListing::kYes;
    else if (list == "no") ns.list = NamespaceListing::kNo;
    else if (list == "children") ns.list = NamespaceListing::kChildren;
    else throw Error(kExitConfig, ctx + ": list = " + list + ": expected yes, no or children");
    ns.subscriptions = parse_bool(*sec, "subscriptions", true, ctx);
    ns.ignore_on_failure = parse_bool(*sec, "ignore_on_failure", false, ctx);
    std::string order = std::string(trim(sec->get("order", "0")));
    auto n = parse_u32(order);
    if (!n) throw Error(kExitConfig, ctx + ": order = " + order + ": expected a number");
    ns.order = *n;
    ns.location = sec->get("location");
    for (const ConfigSection* box : sec->sections("mailbox")) {
      ns.mailboxes.push_back(load_mailbox(*box, ctx));
    }
    out.push_back(std::move(ns));
  }
  validate_namespaces(out);
  return out;
}

void validate_namespaces(const std::vector<NamespaceSettings>& namespaces) {
  const NamespaceSettings* inbox = nullptr;
  const NamespaceSettings* first_listed = nullptr;
  std::set<std::string> prefixes;
  for (const NamespaceSettings& ns : namespaces) {
    if (ns.inbox) {
      if (inbox != nullptr) {
        throw Error(kExitConfig, "namespace configuration error: there can be only one namespace "
                                 "with inbox=yes (" + display_name(*inbox) + " and " +
                                     display_name(ns) + ")");
      }
      if (ns.type != NamespaceType::kPrivate) {
        throw Error(kExitConfig, "namespace " + display_name(ns) +
                                     ": inbox=yes needs type = private");
      }
      inbox = &ns;
    }
    if (!prefixes.insert(ns.prefix).second) {
      throw Error(kExitConfig, "namespace configuration error: duplicate namespace prefix '" +
                                   ns.prefix + "'");
    }
    if (ns.separator != 0 && ns.list != NamespaceListing::kNo && !ns.prefix.empty() &&
        ns.prefix.back() != ns.separator) {
      throw Error(kExitConfig, "namespace " + display_name(ns) + ": list=yes requires prefix=" +
                                   ns.prefix + " to end with separator " +
                                   std::string(1, ns.separator));
    }
    if (ns.list == NamespaceListing::kYes) {
      if (first_listed != nullptr && ns.separator != 0 && first_listed->separator != 0 &&
          ns.separator != first_listed->separator) {
        throw Error(kExitConfig, "namespace configuration error: all list=yes namespaces must use "
                                 "the same separator (" + display_name(*first_listed) + " uses '" +
                                     std::string(1, first_listed->separator) + "', " +
                                     display_name(ns) + " uses '" +
                                     std::string(1, ns.separator) + "')");
      }
      if (first_listed == nullptr || first_listed->separator == 0) first_listed = &ns;
    }
  }
  if (inbox == nullptr) {
    throw Error(kExitConfig, "namespace configuration error: inbox=yes namespace missing (set "
                             "inbox = yes in the namespace that holds INBOX)");
  }
}

}  // namespace roost
