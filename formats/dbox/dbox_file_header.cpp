#include "formats/dbox/dbox_file_header.hpp"

#include "lib/error.hpp"

namespace roost {

std::string dbox_hex(uint64_t value) {
  static const char digits[] = "0123456789abcdef";
  if (value == 0) return "0";
  std::string out;
  while (value) {
    out.insert(out.begin(), digits[value & 0xf]);
    value >>= 4;
  }
  return out;
}

bool parse_dbox_hex(std::string_view s, uint64_t& value) {
  if (s.empty() || s.size() > 16) return false;
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
      return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  value = v;
  return true;
}

DboxFileHeader parse_dbox_file_header(std::string_view data, const std::string& name) {
  auto bad = [&](const std::string& what) {
    return Error(kExitDataErr, name + ": not a valid dbox file: " + what);
  };
  size_t nl = data.find('\n');
  if (nl == std::string_view::npos) {
    if (data.empty()) throw bad("the file is empty (no header line)");
    throw bad("the header line is incomplete (no line feed)");
  }
  std::string_view line = data.substr(0, nl);
  DboxFileHeader h;
  h.header_size = nl + 1;
  if (line.size() < 2 || (line[0] != '1' && line[0] != '2') || line[1] != ' ')
    throw bad("the header line doesn't start with version 1 or 2");
  h.version = static_cast<unsigned>(line[0] - '0');
  bool have_m = false;
  std::string_view rest = line.substr(2);
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    std::string_view field = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    if (field.empty()) continue;
    char key = field[0];
    std::string_view value = field.substr(1);
    uint64_t n = 0;
    if (key == 'M') {
      if (!parse_dbox_hex(value, n) || n == 0 || n > 0xffff)
        throw bad("message header size M" + std::string(value) + " is invalid");
      h.msg_header_size = static_cast<uint32_t>(n);
      have_m = true;
    } else if (key == 'C') {
      // A bad creation time is not worth refusing the file for.
      if (parse_dbox_hex(value, n) && n <= 0x7fffffffffffffffULL)
        h.create_time = static_cast<int64_t>(n);
    } else {
      h.other.emplace_back(key, std::string(value));
    }
  }
  if (!have_m) throw bad("the header line has no message header size (M)");
  return h;
}

std::string format_dbox_file_header(const DboxFileHeader& header) {
  std::string out = std::to_string(header.version);
  out += " M" + dbox_hex(header.msg_header_size);
  out += " C" + dbox_hex(static_cast<uint64_t>(header.create_time < 0 ? 0 : header.create_time));
  for (const auto& [key, value] : header.other) {
    out += ' ';
    out += key;
    out += value;
  }
  out += '\n';
  return out;
}

}  // namespace roost
