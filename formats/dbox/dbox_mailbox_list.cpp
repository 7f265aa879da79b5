#include "formats/dbox/dbox_mailbox_list.hpp"

#include <algorithm>
#include <map>

#include "formats/dbox/dbox_paths.hpp"
#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
void scan(const std::string& dir, const std::string& prefix, char separator,
          const std::function<std::string(const std::string&)>& virtual_component,
          std::vector<MailboxInfo>& out) {
  for (const auto& entry : list_dir(dir)) {
    if (entry.empty() || entry[0] == '.' || entry == kDboxMailDir) continue;
    std::string path = path_join(dir, entry);
    if (!is_dir(path)) continue;
    MailboxInfo info;
    info.name = prefix + virtual_component(entry);
    info.selectable = is_dir(path_join(path, kDboxMailDir));
    size_t before = out.size();
    out.push_back(info);
    scan(path, info.name + separator, separator, virtual_component, out);
    out[before].has_children = out.size() > before + 1;
  }
}
}  // namespace

std::vector<MailboxInfo> scan_dbox_mailbox_tree(
    const std::string& mailboxes_dir, char separator,
    const std::function<std::string(const std::string&)>& virtual_component) {
  std::vector<MailboxInfo> out;
  scan(mailboxes_dir, "", separator, virtual_component, out);
  return out;
}

std::vector<MailboxInfo> dbox_mailbox_listing(std::vector<MailboxInfo> found,
                                              const std::vector<std::string>& subscriptions) {
  std::map<std::string, MailboxInfo> boxes;
  MailboxInfo inbox;
  inbox.name = "INBOX";
  boxes["INBOX"] = inbox;
  for (auto& b : found) {
    if (iequals(b.name, "INBOX")) {
      b.name = "INBOX";
      b.selectable = true;
    }
    boxes[b.name] = b;
  }
  std::vector<MailboxInfo> out;
  out.push_back(boxes["INBOX"]);
  for (auto& [name, info] : boxes)
    if (name != "INBOX") out.push_back(info);
  for (auto& b : out)
    b.subscribed =
        std::find(subscriptions.begin(), subscriptions.end(), b.name) != subscriptions.end();
  return out;
}

}  // namespace roost
