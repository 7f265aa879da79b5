#include "formats/dbox/dbox_metadata.hpp"

#include <algorithm>

#include "formats/dbox/dbox_file_header.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {
constexpr std::string_view kWriteOrder = "ZRVPOGBX";

size_t order_of(char key) {
  size_t at = kWriteOrder.find(key);
  return at == std::string_view::npos ? kWriteOrder.size() : at;
}

std::optional<uint64_t> hex_field(const DboxMetadata& md, char key) {
  const std::string* v = md.find(key);
  uint64_t n = 0;
  if (!v || !parse_dbox_hex(*v, n)) return std::nullopt;
  return n;
}

std::optional<int64_t> time_field(const DboxMetadata& md, char key) {
  auto v = hex_field(md, key);
  if (!v || *v > 0x7fffffffffffffffULL) return std::nullopt;
  return static_cast<int64_t>(*v);
}
}  // namespace

const std::string* DboxMetadata::find(char key) const {
  for (const auto& f : fields)
    if (f.key == key) return &f.value;
  return nullptr;
}

void DboxMetadata::set(char key, std::string value) {
  for (auto& f : fields)
    if (f.key == key) {
      f.value = std::move(value);
      return;
    }
  size_t rank = order_of(key);
  auto at = std::find_if(fields.begin(), fields.end(),
                         [&](const DboxMetadataField& f) { return order_of(f.key) > rank; });
  fields.insert(at, DboxMetadataField{key, std::move(value)});
}

void DboxMetadata::erase(char key) {
  std::erase_if(fields, [&](const DboxMetadataField& f) { return f.key == key; });
}

std::string DboxMetadata::guid() const {
  const std::string* v = find(dbox_key::kGuid);
  return v ? *v : std::string();
}
std::optional<int64_t> DboxMetadata::received_time() const {
  return time_field(*this, dbox_key::kReceivedTime);
}
std::optional<int64_t> DboxMetadata::save_time() const {
  return time_field(*this, dbox_key::kOldSaveTime);
}
std::optional<uint64_t> DboxMetadata::virtual_size() const {
  return hex_field(*this, dbox_key::kVirtualSize);
}
std::optional<uint64_t> DboxMetadata::physical_size() const {
  return hex_field(*this, dbox_key::kPhysicalSize);
}
std::string DboxMetadata::pop3_uidl() const {
  const std::string* v = find(dbox_key::kPop3Uidl);
  return v ? *v : std::string();
}
std::optional<uint32_t> DboxMetadata::pop3_order() const {
  const std::string* v = find(dbox_key::kPop3Order);
  if (!v) return std::nullopt;
  return parse_u32(*v);
}
std::optional<std::string> DboxMetadata::orig_mailbox() const {
  const std::string* v = find(dbox_key::kOrigMailbox);
  if (!v) return std::nullopt;
  return *v;
}
std::string DboxMetadata::ext_refs() const {
  const std::string* v = find(dbox_key::kExtRefs);
  return v ? *v : std::string();
}

void DboxMetadata::set_received_time(int64_t t) {
  set(dbox_key::kReceivedTime, dbox_hex(static_cast<uint64_t>(t < 0 ? 0 : t)));
}
void DboxMetadata::set_virtual_size(uint64_t v) {
  set(dbox_key::kVirtualSize, dbox_hex(v));
}
void DboxMetadata::set_physical_size(uint64_t v) {
  set(dbox_key::kPhysicalSize, dbox_hex(v));
}
void DboxMetadata::set_orig_mailbox(const std::string& name) {
  if (name.find_first_of("\r\n") != std::string::npos) return;
  set(dbox_key::kOrigMailbox, name);
}

DboxMetadataParse parse_dbox_metadata(std::string_view data, const std::string& name,
                                      uint64_t offset) {
  DboxMetadataParse out;
  if (data.size() < kDboxMagicPost.size()) {
    if (data != kDboxMagicPost.substr(0, data.size()))
      throw Error(kExitDataErr, name + ": the metadata block at offset " + std::to_string(offset) +
                                    " doesn't start with its magic (the message size is wrong "
                                    "or the file is damaged)");
    return out;
  }
  if (data.substr(0, kDboxMagicPost.size()) != kDboxMagicPost)
    throw Error(kExitDataErr, name + ": the metadata block at offset " + std::to_string(offset) +
                                  " doesn't start with its magic (the message size is wrong or "
                                  "the file is damaged)");
  size_t pos = kDboxMagicPost.size();
  while (true) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return out;  // need more
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    // An empty line ends the block; so does old v1 space padding.
    if (line.empty() || line[0] == ' ') break;
    out.metadata.fields.push_back(DboxMetadataField{line[0], std::string(line.substr(1))});
  }
  out.status = DboxMetadataParse::kComplete;
  out.consumed = pos;
  return out;
}

std::string format_dbox_metadata(const DboxMetadata& metadata) {
  std::string out(kDboxMagicPost);
  for (const auto& f : metadata.fields) {
    if (f.key == '\n' || f.key == ' ' || f.value.find('\n') != std::string::npos)
      throw Error(kExitDataErr, std::string("dbox metadata field '") + f.key +
                                    "' can't be stored: it contains a line feed or its key is "
                                    "a space/line feed");
    out += f.key;
    out += f.value;
    out += '\n';
  }
  out += '\n';
  return out;
}

}  // namespace roost
