#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roost {

// dovecot-uidlist contents (pure parser/serializer, no I/O).
struct UidListRecord {
  uint32_t uid = 0;
  // Extension fields in file order: key 'A'..'Z' + value (G guid, P POP3
  // UIDL, O POP3 order, S size, W virtual size, others kept verbatim).
  std::vector<std::pair<char, std::string>> ext;
  std::string name;  // base file name (without ":2,...")

  const std::string* find_ext(char key) const;
  void set_ext(char key, std::string value);
};

struct UidList {
  int version = 3;
  uint32_t uidvalidity = 0;
  uint32_t next_uid = 1;
  std::string guid;  // mailbox GUID, 32 hex digits ("" if none)
  // Header keys other than V, N, G, kept and written back.
  std::vector<std::pair<char, std::string>> header_ext;
  std::vector<UidListRecord> records;  // strictly increasing UIDs
};

struct UidListParseResult {
  UidList list;
  // Empty when the file was fine. Otherwise what is wrong: `list` then holds
  // the header (if it was readable: header_ok) and the records before the
  // first bad line.
  std::string error;
  bool header_ok = false;
};

// Reads version 3 (Dovecot >= 1.1) and version 1 (Dovecot 1.0 / Courier
// courierimapuiddb) files.
UidListParseResult parse_uidlist(std::string_view data);
// Writes version 3.
std::string serialize_uidlist(const UidList& list);
std::string serialize_uidlist_header(const UidList& list);
std::string serialize_uidlist_record(const UidListRecord& rec);

}  // namespace roost
