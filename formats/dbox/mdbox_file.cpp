#include "formats/dbox/mdbox_file.hpp"

#include <cstdio>

namespace roost {

std::optional<uint64_t> parse_mdbox_hex(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return std::nullopt;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  return v;
}

int64_t mdbox_hex_or(const std::optional<std::string>& s, int64_t fallback) {
  auto v = s ? parse_mdbox_hex(*s) : std::nullopt;
  return v ? static_cast<int64_t>(*v) : fallback;
}

std::string format_mdbox_file_header(int64_t create_time) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2 M1e C%llx\n", static_cast<unsigned long long>(create_time));
  return buf;
}

std::optional<MdboxFileHeader> parse_mdbox_file_header(std::string_view data) {
  size_t nl = data.find('\n');
  if (nl == std::string_view::npos || nl < 2) return std::nullopt;
  if ((data[0] != '1' && data[0] != '2') || data[1] != ' ') return std::nullopt;
  MdboxFileHeader h;
  h.version = static_cast<unsigned>(data[0] - '0');
  h.length = nl + 1;
  h.msg_header_size = 0;
  std::string_view rest = data.substr(2, nl - 2);
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    std::string_view field = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    if (field.empty()) continue;
    auto value = parse_mdbox_hex(field.substr(1));
    if (field[0] == 'M' && value) h.msg_header_size = static_cast<size_t>(*value);
    if (field[0] == 'C' && value) h.create_time = static_cast<int64_t>(*value);
  }
  // The header size must at least hold the magic and the size field.
  if (h.msg_header_size < kMdboxMsgHeaderSize || h.msg_header_size > 4096) return std::nullopt;
  return h;
}

std::string format_mdbox_msg_header(uint64_t body_size) {
  char buf[kMdboxMsgHeaderSize + 1];
  std::snprintf(buf, sizeof buf, "\x01\x02N          %016llX\n",
                static_cast<unsigned long long>(body_size));
  return std::string(buf, kMdboxMsgHeaderSize);
}

std::optional<uint64_t> parse_mdbox_msg_header(std::string_view bytes, size_t msg_header_size) {
  if (bytes.size() < msg_header_size || msg_header_size < kMdboxMsgHeaderSize) return std::nullopt;
  if (bytes[0] != '\x01' || bytes[1] != '\x02' || bytes[2] != 'N') return std::nullopt;
  if (bytes[msg_header_size - 1] != '\n') return std::nullopt;
  return parse_mdbox_hex(bytes.substr(13, 16));
}

std::optional<std::string> MdboxMetadata::get(char key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  return std::nullopt;
}

void MdboxMetadata::set(char key, std::string value) {
  for (auto& [k, v] : fields)
    if (k == key) {
      v = std::move(value);
      return;
    }
  fields.emplace_back(key, std::move(value));
}

std::string format_mdbox_metadata(const MdboxMetadata& meta) {
  std::string out(kMdboxMetaMagic);
  for (const auto& [k, v] : meta.fields) {
    if (v.find('\n') != std::string::npos) continue;  // can't be stored
    out += k;
    out += v;
    out += '\n';
  }
  out += '\n';
  return out;
}

std::optional<std::pair<MdboxMetadata, size_t>> parse_mdbox_metadata(std::string_view data) {
  if (data.substr(0, kMdboxMetaMagic.size()) != kMdboxMetaMagic) return std::nullopt;
  MdboxMetadata meta;
  size_t pos = kMdboxMetaMagic.size();
  for (;;) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return std::nullopt;  // incomplete block
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line[0] == ' ') break;  // end (or old v1 padding)
    if (line[0] < 'A' || line[0] > 'Z') return std::nullopt;
    meta.fields.emplace_back(line[0], std::string(line.substr(1)));
  }
  return std::make_pair(std::move(meta), pos);
}

MdboxFileScan scan_mdbox_file(std::string_view data) {
  MdboxFileScan scan;
  scan.header = parse_mdbox_file_header(data);
  size_t hsize = kMdboxMsgHeaderSize;
  uint64_t pos = 0;
  if (scan.header) {
    hsize = scan.header->msg_header_size;
    pos = scan.header->length;
  } else {
    scan.damage.push_back("offset 0: no valid dbox file header");
  }
  scan.intact_end = pos;
  while (pos < data.size()) {
    std::string_view rest = data.substr(pos);
    std::optional<uint64_t> body = parse_mdbox_msg_header(rest, hsize);
    std::string problem;
    if (!body) {
      problem = rest.size() < hsize ? "truncated message header" : "bad message header";
    } else if (*body > rest.size() - hsize) {
      problem = "message body truncated (header says " + std::to_string(*body) + " bytes)";
    } else {
      auto meta = parse_mdbox_metadata(rest.substr(hsize + *body));
      if (!meta) {
        problem = "metadata block missing or truncated";
      } else if (!meta->first.get('G')) {
        problem = "message has no GUID";
      } else {
        MdboxScannedMessage m;
        m.offset = pos;
        m.body_offset = pos + hsize;
        m.body_size = *body;
        m.size = hsize + *body + meta->second;
        m.meta = std::move(meta->first);
        pos += m.size;
        scan.intact_end = pos;
        scan.messages.push_back(std::move(m));
        continue;
      }
    }
    scan.damage.push_back("offset " + std::to_string(pos) + ": " + problem);
    // Resynchronise on the next message header magic.
    size_t next = data.find(std::string_view("\x01\x02N", 3), pos + 1);
    if (next == std::string_view::npos) break;
    pos = next;
  }
  return scan;
}

void VirtualSizeCounter::feed(std::string_view chunk) {
  for (char c : chunk) {
    if (c == '\n' && !prev_cr_) ++size_;
    ++size_;
    prev_cr_ = c == '\r';
  }
}

}  // namespace roost
