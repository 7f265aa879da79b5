#include "formats/index/dovecot/index_loader.hpp"

#include <optional>

#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost {

namespace {

struct LoadedLog {
  std::string path;
  std::string bytes;  // owns what `log`'s records point into
  DovecotLog log;
};

std::optional<LoadedLog> load_log(const std::string& path) {
  auto bytes = read_file_if_exists(path);
  if (!bytes) return std::nullopt;
  LoadedLog l;
  l.path = path;
  l.bytes = std::move(*bytes);
  l.log = parse_dovecot_log(l.bytes, path);
  return l;
}

}  // namespace

DovecotIndexView load_dovecot_index_view(const std::string& dir, const std::string& prefix) {
  const std::string index_path = path_join(dir, prefix);
  auto index_bytes = read_file_if_exists(index_path);
  auto log = load_log(index_path + ".log");
  auto log2 = load_log(index_path + ".log.2");
  if (!index_bytes && !log)
    throw Error(kExitNoInput, "No Dovecot index in " + dir + " (neither " + prefix + " nor " +
                                  prefix + ".log exists)");

  DovecotIndexView view;
  // (log, first offset to apply) in replay order.
  std::vector<std::pair<LoadedLog*, uint32_t>> plan;
  if (index_bytes) {
    DovecotIndexFile f = parse_dovecot_index_file(*index_bytes, index_path);
    view = dovecot_index_view_from_file(f, index_path);
    const uint32_t seq = f.hdr.log_file_seq, head = f.hdr.log_file_head_offset;
    auto same_index = [&](const LoadedLog& l) {
      if (l.log.hdr.indexid == f.hdr.indexid) return true;
      // Dovecot recreates a log that belongs to another index; its records
      // don't apply to this snapshot.
      view.notes.push_back(l.path + ": indexid differs from " + index_path + "'s, log ignored");
      return false;
    };
    if (log && log->log.hdr.file_seq == seq && same_index(*log)) {
      plan.emplace_back(&*log, head);
    } else if (log2 && log2->log.hdr.file_seq == seq && same_index(*log2)) {
      plan.emplace_back(&*log2, head);
      if (log && same_index(*log)) plan.emplace_back(&*log, 0);
    } else if (log || log2) {
      view.notes.push_back(index_path + ": no log with file_seq " + std::to_string(seq) +
                           ", using the snapshot alone");
    }
  } else {
    view = empty_dovecot_index_view();
    // Everything is in the logs: start with .log.2 when .log continues it.
    if (log2 && log->log.hdr.prev_file_seq == log2->log.hdr.file_seq &&
        log2->log.hdr.indexid == log->log.hdr.indexid)
      plan.emplace_back(&*log2, 0);
    plan.emplace_back(&*log, 0);
    for (int i = 0; i < 4; ++i)
      view.base_raw[16 + i] = static_cast<char>((log->log.hdr.indexid >> (8 * i)) & 0xff);
  }
  for (auto& [l, start] : plan) apply_dovecot_log(view, l->log, start, l->path);
  return view;
}

}  // namespace roost
