#include "cli/mail_user.hpp"

#include <algorithm>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost::cli {

namespace {
// "inbox/x" -> "INBOX/x": INBOX is case-insensitive in IMAP.
std::string normalize_inbox(std::string_view s, char sep) {
  if (s.size() >= 5 && iequals(s.substr(0, 5), "INBOX") && (s.size() == 5 || s[5] == sep))
    return "INBOX" + std::string(s.substr(5));
  return std::string(s);
}
}  // namespace

MailUser::MailUser(std::string name, std::vector<OpenNamespace> namespaces,
                   std::unique_ptr<EffectiveUser> privileges)
    : name_(std::move(name)),
      privileges_(std::move(privileges)),
      namespaces_(std::move(namespaces)) {}

char MailUser::separator() const {
  for (const auto& ns : namespaces_)
    if (ns.inbox) return ns.separator;
  return namespaces_.empty() ? '/' : namespaces_.front().separator;
}

std::string MailUser::virtual_name(const OpenNamespace& ns, const std::string& storage_name) const {
  if (ns.inbox && storage_name == "INBOX") return "INBOX";
  return ns.prefix + storage_name;
}

std::vector<MailboxInfo> MailUser::list_mailboxes() {
  std::vector<MailboxInfo> out;
  for (auto& ns : namespaces_) {
    if (!ns.list || ns.hidden) continue;
    auto boxes = ns.storage->list_mailboxes();
    std::sort(boxes.begin(), boxes.end(), [](const MailboxInfo& a, const MailboxInfo& b) {
      // doveadm lists INBOX after the other mailboxes of its namespace.
      bool ai = a.name == "INBOX", bi = b.name == "INBOX";
      if (ai != bi) return bi;
      return a.name < b.name;
    });
    for (auto& b : boxes) {
      if (!ns.inbox && b.name == "INBOX") continue;
      b.name = virtual_name(ns, b.name);
      out.push_back(std::move(b));
    }
  }
  return out;
}

std::vector<MailboxInfo> MailUser::match_mailboxes(const std::vector<std::string>& patterns) {
  std::vector<MailboxInfo> out;
  char sep = separator();
  for (auto& b : list_mailboxes()) {
    for (const auto& p : patterns) {
      if (mailbox_pattern_match(p, b.name, sep)) {
        out.push_back(b);
        break;
      }
    }
  }
  return out;
}

MailUser::Resolved MailUser::resolve(const std::string& vname_in) {
  std::string vname = normalize_inbox(vname_in, separator());
  OpenNamespace* best = nullptr;
  for (auto& ns : namespaces_) {
    if (ns.inbox && vname == "INBOX") return {&ns, "INBOX"};
    if (vname.compare(0, ns.prefix.size(), ns.prefix) == 0 &&
        (!best || ns.prefix.size() > best->prefix.size()))
      best = &ns;
  }
  if (!best)
    throw Error(kExitNotFound, "mailbox '" + vname + "' is in no namespace of user " + name_);
  std::string inner = vname.substr(best->prefix.size());
  if (inner.empty()) inner = "INBOX";
  return {best, inner};
}

std::unique_ptr<Mailbox> MailUser::open_mailbox(const std::string& vname) {
  auto r = resolve(vname);
  return r.ns->storage->open_mailbox(r.storage_name);
}

}  // namespace roost::cli
