#include "cli/namespace_union_storage.hpp"

#include "lib/error.hpp"

namespace roost::cli {

NamespaceUnionStorage::NamespaceUnionStorage(std::vector<OpenNamespace*> namespaces)
    : ns_(std::move(namespaces)) {
  if (ns_.empty()) throw Error(kExitConfig, "no namespace to sync");
  sep_ = ns_.front()->separator;
  for (const auto* ns : ns_) {
    if (ns->inbox) sep_ = ns->separator;
    if (ns->separator != ns_.front()->separator)
      throw Error(kExitConfig, "namespaces '" + ns_.front()->prefix + "' and '" + ns->prefix +
                                   "' use different separators; -N needs one separator for "
                                   "all namespaces (set `separator` in each namespace block)");
  }
}

const MailLocation& NamespaceUnionStorage::location() const {
  for (const auto* ns : ns_)
    if (ns->inbox) return ns->storage->location();
  return ns_.front()->storage->location();
}

std::string NamespaceUnionStorage::vname(const OpenNamespace& ns, const std::string& name) {
  if (ns.inbox && name == "INBOX") return name;
  return ns.prefix + name;
}

NamespaceUnionStorage::Resolved NamespaceUnionStorage::resolve(const std::string& v) const {
  OpenNamespace* best = nullptr;
  for (auto* ns : ns_) {
    if (ns->inbox && v == "INBOX") return {ns, v};
    if (v.compare(0, ns->prefix.size(), ns->prefix) == 0 && v.size() > ns->prefix.size() &&
        (!best || ns->prefix.size() > best->prefix.size()))
      best = ns;
  }
  if (!best) throw Error(kExitNotFound, "mailbox '" + v + "' is in no synced namespace");
  return {best, v.substr(best->prefix.size())};
}

std::vector<MailboxInfo> NamespaceUnionStorage::list_mailboxes() {
  std::vector<MailboxInfo> out;
  for (auto* ns : ns_)
    for (auto& b : ns->storage->list_mailboxes()) {
      if (!ns->inbox && b.name == "INBOX") continue;
      b.name = vname(*ns, b.name);
      out.push_back(std::move(b));
    }
  return out;
}

bool NamespaceUnionStorage::mailbox_exists(const std::string& name) {
  auto r = resolve(name);
  return r.ns->storage->mailbox_exists(r.name);
}

void NamespaceUnionStorage::create_mailbox(const std::string& name, const Guid128& guid) {
  auto r = resolve(name);
  r.ns->storage->create_mailbox(r.name, guid);
}

void NamespaceUnionStorage::delete_mailbox(const std::string& name) {
  auto r = resolve(name);
  r.ns->storage->delete_mailbox(r.name);
}

void NamespaceUnionStorage::rename_mailbox(const std::string& from, const std::string& to) {
  auto a = resolve(from), b = resolve(to);
  if (a.ns != b.ns)
    throw Error(kExitUsage, "can't rename '" + from + "' to '" + to +
                                "': the names are in different namespaces");
  a.ns->storage->rename_mailbox(a.name, b.name);
}

std::vector<std::string> NamespaceUnionStorage::subscriptions() {
  std::vector<std::string> out;
  for (auto* ns : ns_)
    for (auto& s : ns->storage->subscriptions()) out.push_back(vname(*ns, s));
  return out;
}

void NamespaceUnionStorage::set_subscribed(const std::string& name, bool subscribed) {
  auto r = resolve(name);
  r.ns->storage->set_subscribed(r.name, subscribed);
}

std::unique_ptr<Mailbox> NamespaceUnionStorage::open_mailbox(const std::string& name) {
  auto r = resolve(name);
  return r.ns->storage->open_mailbox(r.name);
}

void NamespaceUnionStorage::purge() {
  for (auto* ns : ns_) ns->storage->purge();
}

std::vector<DeletedMailbox> NamespaceUnionStorage::deleted_mailboxes() {
  std::vector<DeletedMailbox> out;
  for (auto* ns : ns_)
    for (auto& d : ns->storage->deleted_mailboxes()) out.push_back(d);
  return out;
}

std::vector<MailboxListChange> NamespaceUnionStorage::mailbox_list_changes() {
  std::vector<MailboxListChange> out;
  for (auto* ns : ns_)
    for (auto& c : ns->storage->mailbox_list_changes()) {
      if (c.kind != MailboxListChange::Kind::kRename) c.name = vname(*ns, c.name);
      out.push_back(std::move(c));
    }
  return out;
}

}  // namespace roost::cli
