#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// IMAP system flags. The bit values are the ones Dovecot uses (MAIL_ANSWERED
// ... MAIL_RECENT), so they can be stored in and read from its index files.
enum MailFlag : uint8_t {
  kFlagAnswered = 0x01,
  kFlagFlagged = 0x02,
  kFlagDeleted = 0x04,
  kFlagSeen = 0x08,
  kFlagDraft = 0x10,
  kFlagRecent = 0x20,
};
constexpr uint8_t kFlagsStorable = 0x1f;  // \Recent is never stored

// "\Seen" -> kFlagSeen (case-insensitive); 0 when not a system flag.
uint8_t system_flag_from_name(std::string_view name);

// Flags of one message: system flags + keywords (IMAP atoms, case kept,
// compared case-insensitively, no duplicates).
struct MessageFlags {
  uint8_t system = 0;
  std::vector<std::string> keywords;

  bool has_keyword(std::string_view kw) const;
  void add_keyword(std::string_view kw);
  void remove_keyword(std::string_view kw);
  bool operator==(const MessageFlags&) const = default;
};

// Parses "\Seen \Flagged $Label1" (space separated, as doveadm flags takes
// them). Throws roost::Error(kExitUsage) on an invalid flag/keyword.
MessageFlags parse_flag_list(std::string_view text);

// Renders flags the way doveadm fetch prints them: system flags in the
// order \Answered \Flagged \Deleted \Seen \Draft \Recent, then keywords.
std::string format_flags(const MessageFlags& flags);

enum class FlagOp { kAdd, kRemove, kReplace };
// Applies an update to `target`.
void apply_flag_update(MessageFlags& target, FlagOp op, const MessageFlags& change);

}  // namespace roost
