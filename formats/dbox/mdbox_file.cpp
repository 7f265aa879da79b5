#include "formats/dbox/mdbox_file.hpp"

#include "formats/dbox/dbox_file_header.hpp"
#include "formats/dbox/dbox_message_header.hpp"
#include "lib/error.hpp"

namespace roost {

MdboxScannedMessage parse_mdbox_message(std::string_view rest, uint32_t hsize,
                                        const std::string& name, uint64_t pos) {
  DboxMessageHeader mh = parse_dbox_message_header(rest, hsize, name, pos);
  if (mh.body_size > rest.size() - hsize)
    throw Error(kExitDataErr, name + ": message at offset " + std::to_string(pos) +
                                  " is truncated (its header says " + std::to_string(mh.body_size) +
                                  " bytes)");
  DboxMetadataParse meta =
      parse_dbox_metadata(rest.substr(hsize + mh.body_size), name, pos + hsize + mh.body_size);
  if (meta.status != DboxMetadataParse::kComplete)
    throw Error(kExitDataErr, name + ": metadata of the message at offset " + std::to_string(pos) +
                                  " is truncated");
  if (meta.metadata.guid().empty())
    throw Error(kExitDataErr, name + ": message at offset " + std::to_string(pos) + " has no GUID");
  MdboxScannedMessage m;
  m.offset = pos;
  m.body_offset = pos + hsize;
  m.body_size = mh.body_size;
  m.size = hsize + mh.body_size + meta.consumed;
  m.meta = std::move(meta.metadata);
  return m;
}

MdboxFileScan scan_mdbox_file(std::string_view data, const std::string& name) {
  MdboxFileScan scan;
  uint32_t hsize = kDboxMessageHeaderSize;
  uint64_t pos = 0;
  try {
    DboxFileHeader h = parse_dbox_file_header(data, name);
    hsize = h.msg_header_size;
    pos = h.header_size;
    scan.header_ok = true;
  } catch (const Error& e) {
    scan.damage.push_back(e.what());
  }
  while (pos < data.size()) {
    std::string_view rest = data.substr(pos);
    try {
      MdboxScannedMessage m = parse_mdbox_message(rest, hsize, name, pos);
      pos += m.size;
      scan.messages.push_back(std::move(m));
      continue;
    } catch (const Error& e) {
      scan.damage.push_back(e.what());
    }
    // Resynchronise on the next message header magic.
    size_t next = data.find(std::string_view("\x01\x02N", 3), pos + 1);
    if (next == std::string_view::npos) break;
    pos = next;
  }
  return scan;
}

}  // namespace roost
