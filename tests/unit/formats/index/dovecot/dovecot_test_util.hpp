#pragma once
// Helpers shared by the Dovecot index tests: the expected.tsv files Dovecot's
// `doveadm -f tab fetch 'mailbox uid guid flags' all` wrote, and the flag
// string it prints for a record.
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "formats/index/dovecot/mailbox_index.hpp"
#include "lib/fsutil.hpp"

namespace roost::dovecot_test {

inline std::string fixture(const std::string& rel) {
  return std::string(ROOST_SOURCE_DIR) + "/fixtures/" + rel;
}

struct ExpectedRow {
  std::string mailbox;
  uint32_t uid = 0;
  std::string guid;
  std::string flags;
};

inline std::vector<ExpectedRow> read_expected(const std::string& path) {
  std::vector<ExpectedRow> rows;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);  // column names
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, '\t')) f.push_back(cell);
    f.resize(4);
    rows.push_back({f[0], static_cast<uint32_t>(std::stoul(f[1])), f[2], f[3]});
  }
  return rows;
}

// doveadm's order: system flags, \Recent, then keywords in index order.
inline std::string flags_string(const DovecotMailRecord& r, uint32_t first_recent_uid) {
  std::vector<std::string> out;
  if (r.flags & kDovecotFlagAnswered) out.push_back("\\Answered");
  if (r.flags & kDovecotFlagFlagged) out.push_back("\\Flagged");
  if (r.flags & kDovecotFlagDeleted) out.push_back("\\Deleted");
  if (r.flags & kDovecotFlagSeen) out.push_back("\\Seen");
  if (r.flags & kDovecotFlagDraft) out.push_back("\\Draft");
  if (r.uid >= first_recent_uid) out.push_back("\\Recent");
  for (const auto& k : r.keywords) out.push_back(k);
  std::string s;
  for (const auto& f : out) s += (s.empty() ? "" : " ") + f;
  return s;
}

// The `G` line of a dbox file's metadata block (dbox-format.md §2.4): sdbox
// keeps message GUIDs only there, not in its index.
inline std::string dbox_file_guid(const std::string& path) {
  std::string d = read_file(path);
  size_t m = d.find("\n\x01\x03\n");
  if (m == std::string::npos) return "";
  for (size_t p = m + 4; p < d.size();) {
    size_t e = d.find('\n', p);
    if (e == std::string::npos || e == p) break;
    if (d[p] == 'G') return d.substr(p + 1, e - p - 1);
    p = e + 1;
  }
  return "";
}

}  // namespace roost::dovecot_test
