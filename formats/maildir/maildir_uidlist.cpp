#include "formats/maildir/maildir_uidlist.hpp"

#include <unordered_map>

#include "lib/strutil.hpp"

namespace roost {

const std::string* UidListRecord::find_ext(char key) const {
  for (const auto& [k, v] : ext)
    if (k == key) return &v;
  return nullptr;
}

void UidListRecord::set_ext(char key, std::string value) {
  for (auto& [k, v] : ext)
    if (k == key) {
      v = std::move(value);
      return;
    }
  ext.emplace_back(key, std::move(value));
}

namespace {

std::vector<std::string_view> split_lines(std::string_view data, bool& last_complete) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.push_back(data.substr(pos));
      last_complete = false;
      return lines;
    }
    lines.push_back(data.substr(pos, nl - pos));
    pos = nl + 1;
  }
  last_complete = true;
  return lines;
}

bool parse_header_v3(std::string_view line, UidList& out, std::string& error) {
  for (const auto& item : split(line.substr(2), ' ')) {
    if (item.empty()) continue;
    char key = item[0];
    std::string value = item.substr(1);
    if (key == 'V') {
      auto v = parse_u32(value);
      if (!v) return error = "bad V (uidvalidity) value '" + value + "'", false;
      out.uidvalidity = *v;
    } else if (key == 'N') {
      auto v = parse_u32(value);
      if (!v) return error = "bad N (next uid) value '" + value + "'", false;
      out.next_uid = *v;
    } else if (key == 'G') {
      out.guid = value;
    } else {
      out.header_ext.emplace_back(key, value);
    }
  }
  if (out.uidvalidity == 0 || out.next_uid == 0)
    return error = "header lacks a non-zero uidvalidity or next uid", false;
  return true;
}

}  // namespace

UidListParseResult parse_uidlist(std::string_view data) {
  UidListParseResult res;
  UidList& out = res.list;
  bool last_complete = true;
  auto lines = split_lines(data, last_complete);
  if (lines.empty()) {
    res.error = "file is empty";
    return res;
  }
  std::string_view head = lines[0];
  if (head.size() >= 2 && head[0] == '3' && head[1] == ' ') {
    out.version = 3;
    if (!parse_header_v3(head, out, res.error)) return res;
  } else if (head.size() >= 2 && head[0] == '1' && head[1] == ' ') {
    out.version = 1;
    auto parts = split_ws(head);
    std::optional<uint32_t> v, n;
    if (parts.size() >= 3) {
      v = parse_u32(parts[1]);
      n = parse_u32(parts[2]);
    }
    if (!v || !n || *v == 0 || *n == 0) {
      res.error = "bad version 1 header '" + std::string(head) + "'";
      return res;
    }
    out.uidvalidity = *v;
    out.next_uid = *n;
  } else {
    res.error = "unsupported version or bad header '" + std::string(head.substr(0, 40)) + "'";
    return res;
  }
  if (lines.size() == 1 && !last_complete) {
    res.error = "header line is not terminated";
    return res;
  }
  res.header_ok = true;

  std::unordered_map<std::string, size_t> by_name;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    std::string where = "line " + std::to_string(i + 1);
    if (i + 1 == lines.size() && !last_complete) {
      res.error = where + " is truncated";
      break;
    }
    if (line.empty()) continue;
    UidListRecord rec;
    size_t sp = line.find(' ');
    auto uid = sp == std::string_view::npos ? std::nullopt : parse_u32(line.substr(0, sp));
    if (!uid || *uid == 0 || *uid == UINT32_MAX) {
      res.error = where + ": bad UID";
      break;
    }
    rec.uid = *uid;
    std::string_view rest = line.substr(sp + 1);
    if (out.version == 3) {
      // Extensions up to " :", then the name.
      while (!rest.empty() && rest[0] != ':') {
        size_t end = rest.find(' ');
        std::string_view item = rest.substr(0, end);
        if (item.empty() || item[0] < 'A' || item[0] > 'Z') {
          res.error = where + ": bad extension field";
          break;
        }
        rec.ext.emplace_back(item[0], std::string(item.substr(1)));
        if (end == std::string_view::npos) {
          rest = {};
          break;
        }
        rest.remove_prefix(end + 1);
      }
      if (!res.error.empty()) break;
      if (rest.empty() || rest[0] != ':') {
        res.error = where + ": no ':<file name>'";
        break;
      }
      rest.remove_prefix(1);
    } else if (out.version == 1 && rec.uid >= out.next_uid) {
      res.error = where + ": UID is not below the header's next uid";
      break;
    }
    std::string_view name = rest.substr(0, rest.find(':'));
    if (name.empty() || name.find('/') != std::string_view::npos) {
      res.error = where + ": bad file name";
      break;
    }
    if (!out.records.empty() && rec.uid <= out.records.back().uid) {
      res.error = where + ": UIDs are not increasing";
      break;
    }
    rec.name = std::string(name);
    // The same file listed twice: the later entry wins.
    if (auto it = by_name.find(rec.name); it != by_name.end()) out.records[it->second].uid = 0;
    by_name[rec.name] = out.records.size();
    out.records.push_back(std::move(rec));
  }
  std::erase_if(out.records, [](const UidListRecord& r) { return r.uid == 0; });
  if (!out.records.empty() && out.records.back().uid >= out.next_uid)
    out.next_uid = out.records.back().uid + 1;
  return res;
}

std::string serialize_uidlist_header(const UidList& list) {
  std::string out = "3 V" + std::to_string(list.uidvalidity) + " N" + std::to_string(list.next_uid);
  if (!list.guid.empty()) out += " G" + list.guid;
  for (const auto& [k, v] : list.header_ext) {
    out += ' ';
    out += k;
    out += v;
  }
  out += '\n';
  return out;
}

std::string serialize_uidlist_record(const UidListRecord& rec) {
  std::string out = std::to_string(rec.uid);
  for (const auto& [k, v] : rec.ext) {
    out += ' ';
    out += k;
    out += v;
  }
  out += " :";
  out += rec.name;
  out += '\n';
  return out;
}

std::string serialize_uidlist(const UidList& list) {
  std::string out = serialize_uidlist_header(list);
  for (const auto& r : list.records) out += serialize_uidlist_record(r);
  return out;
}

}  // namespace roost
