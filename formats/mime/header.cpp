#include "formats/mime/header.hpp"

#include <algorithm>
#include <cstring>

#include "lib/strutil.hpp"

namespace roost {

std::vector<std::string_view> HeaderBlock::values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields) {
    if (iequals(f.name, name)) out.emplace_back(f.value);
  }
  return out;
}

std::optional<std::string_view> HeaderBlock::first(std::string_view name) const {
  for (const auto& f : fields) {
    if (iequals(f.name, name)) return std::string_view(f.value);
  }
  return std::nullopt;
}

uint64_t virtual_size_of(std::string_view data) {
  uint64_t size = data.size();
  const char* p = data.data();
  const char* end = p + data.size();
  while (const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p))) {
    if (nl == data.data() || nl[-1] != '\r') ++size;
    p = nl + 1;
  }
  return size;
}

uint32_t line_count_of(std::string_view data) {
  uint32_t lines = 0;
  const char* p = data.data();
  const char* end = p + data.size();
  while (const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p))) {
    ++lines;
    p = nl + 1;
  }
  return lines;
}

HeaderBlock parse_header_block(std::string_view data,
                               bool (*stop_at_line)(std::string_view rest, const void* ctx),
                               const void* ctx) {
  HeaderBlock block;
  size_t pos = 0;
  HeaderField* current = nullptr;
  bool dropping = false;
  while (pos < data.size()) {
    std::string_view rest = data.substr(pos);
    if (stop_at_line && stop_at_line(rest, ctx)) break;
    size_t nl = rest.find('\n');
    std::string_view line = nl == std::string_view::npos ? rest : rest.substr(0, nl);
    size_t line_len = nl == std::string_view::npos ? rest.size() : nl + 1;
    std::string_view content = line;
    if (!content.empty() && content.back() == '\r' && nl != std::string_view::npos) {
      content.remove_suffix(1);
    }
    block.virtual_size += content.size() + (nl == std::string_view::npos ? 0 : 2);
    if (nl != std::string_view::npos) ++block.lines;
    pos += line_len;
    if (content.empty() && nl != std::string_view::npos) {
      block.has_end = true;
      break;
    }
    if (!content.empty() && (content[0] == ' ' || content[0] == '\t')) {
      if (current) current->value.append(content);
      continue;
    }
    if (block.fields.size() >= kMaxHeaderFields) {
      dropping = true;
    }
    if (dropping) {
      current = nullptr;
      continue;
    }
    size_t colon = content.find(':');
    HeaderField field;
    if (colon == std::string_view::npos) {
      field.name = std::string(content);
    } else {
      std::string_view name = content.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      field.name = std::string(name);
      std::string_view value = content.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      field.value = std::string(value);
    }
    block.fields.push_back(std::move(field));
    current = &block.fields.back();
  }
  block.size = pos;
  return block;
}

std::string read_header_text(std::istream& in, size_t max_bytes) {
  std::string out;
  std::string line;
  while (out.size() < max_bytes && std::getline(in, line)) {
    bool had_newline = !in.eof();
    out += line;
    if (had_newline) out += '\n';
    if (line.empty() || line == "\r") break;
  }
  return out;
}

}  // namespace roost
