#include "formats/list/subscriptions_update.hpp"

#include <algorithm>

#include "formats/list/subscriptions_file.hpp"
#include "lib/dotlock.hpp"
#include "lib/fsutil.hpp"

namespace roost {

std::vector<std::string> read_subscriptions_file(const std::string& path, char separator) {
  auto data = read_file_if_exists(path);
  if (!data) return {};
  return parse_subscriptions(*data, separator);
}

void update_subscriptions_file(const std::string& path, const std::string& name, bool subscribed,
                               char separator, bool fsync) {
  make_dirs(dirname_of(path));
  DotLock lock = DotLock::acquire(path);
  std::vector<std::string> names = read_subscriptions_file(path, separator);
  auto it = std::find(names.begin(), names.end(), name);
  if (subscribed == (it != names.end())) return;
  if (subscribed)
    names.push_back(name);
  else
    names.erase(it);
  lock.write_content(serialize_subscriptions(names, separator));
  lock.commit_replace(fsync);
}

}  // namespace roost
