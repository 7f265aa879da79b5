#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/model/flags.hpp"

namespace roost {

// One message found in an mbox file. Offsets are into the file.
struct MboxMail {
  uint64_t from_offset = 0;    // start of the From_ line
  uint64_t header_offset = 0;  // first header line
  uint64_t body_offset = 0;    // after the empty line ending the header
  uint64_t body_end = 0;       // end of the body (the separator LF excluded)
  uint64_t next_offset = 0;    // where the next From_ line (or EOF) starts
  std::string from_line;       // without line ending
  int64_t received_date = 0;   // from the From_ line
  uint32_t uid = 0;            // X-UID (0: none or not usable)
  bool old = false;            // Status: O (no longer \Recent)
  MessageFlags flags;          // Status/X-Status/X-Keywords
  // The header with the mbox metadata headers removed, exactly as Dovecot
  // serves it (including the empty line ending it, when there was one).
  std::string clean_header;
  bool header_ended = false;  // an empty line ended the header
  std::string guid;           // Dovecot's apop3d header MD5, hex
  uint64_t virtual_size = 0;  // clean header + body, LF counted as CRLF
  // True when the stored metadata differs from what Roost would write for
  // these flags (not a reason to rewrite on its own).
  bool has_xuid = false;
};

// What a scan of a whole mbox file found.
struct MboxScan {
  std::vector<MboxMail> mails;  // real messages (the pseudo message excluded)
  uint32_t uidvalidity = 0;     // from X-IMAPbase / X-IMAP (0: none)
  uint32_t uid_last = 0;
  std::vector<std::string> keywords;  // defined keyword names
  bool has_pseudo = false;            // the first message was a UW-IMAP pseudo message
  bool needs_rewrite = false;         // messages without X-UID, broken UIDs...
};

// The headers Dovecot hides from clients and owns in an mbox.
bool is_mbox_metadata_header(std::string_view name);

// Parses a whole mbox file held in memory (a mapping of the file). Throws
// Error(kExitDataErr) when the data doesn't begin with a From_ line. UIDs
// that are missing, not ascending or above the recorded last UID are
// reported as 0 (the caller assigns new ones).
MboxScan parse_mbox(std::string_view data);

}  // namespace roost
