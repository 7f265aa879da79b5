#include "dsync/dsync_peer_state.hpp"

#include <xxhash.h>

#include <cstdio>

#include "lib/fsutil.hpp"
#include "lib/strutil.hpp"

namespace roost::dsync {

std::string peer_state_path(const MailLocation& local, const std::string& peer) {
  std::string dir = local.index.empty() || local.index == "MEMORY" ? local.root : local.index;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(peer.data(), peer.size())));
  return path_join(dir, std::string(".roost-dsync-state.") + hex);
}

StateMap load_peer_state(const std::string& path) {
  std::optional<std::string> data;
  try {
    data = read_file_if_exists(path);
  } catch (...) {
    return {};
  }
  if (!data) return {};
  std::string err;
  auto st = import_state(trim(*data), err);
  return st ? *st : StateMap{};
}

void save_peer_state(const std::string& path, const StateMap& previous, const StateMap& fresh) {
  StateMap merged = previous;
  for (const auto& [g, st] : fresh) merged[g] = st;
  make_dirs(dirname_of(path));
  write_file_atomic(path, export_state(merged) + "\n");
}

}  // namespace roost::dsync
