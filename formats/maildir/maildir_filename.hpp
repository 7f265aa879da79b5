#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// Maildir file names (pure: no I/O). A name is `<base>[:2,<info>]`; the base
// (everything before the first ':') is the message's identity and, unless
// dovecot-uidlist says otherwise, its GUID.
struct MaildirFileName {
  std::string base;
  bool has_info = false;  // ":2," present (possibly with no letters)
  std::string info;       // what follows ":2," (letters and further ","-sets)
  // Anything after ':' that isn't "2," (e.g. Courier's experimental ":1,").
  std::string other_info;
};
MaildirFileName parse_maildir_filename(std::string_view name);
std::string format_maildir_filename(const MaildirFileName& name);

// Value of a ",<key>=<digits>" size extra in a base name (S: physical size,
// W: virtual size); nullopt when absent or malformed (digits must be
// followed by ',', ':' or the end).
std::optional<uint64_t> maildir_size_extra(std::string_view base, char key);

// Flags carried by the info letters.
struct MaildirInfoFlags {
  uint8_t system = 0;             // kFlag* bits from D F R S T
  std::vector<int> keyword_slots; // 0..25 from a..z, ascending
};
MaildirInfoFlags parse_maildir_info(std::string_view info);
// Rewrites `old_info` with new flags: letters D F R S T and a-z are replaced
// by those given, every other letter (P, unknown ones) and any further
// ","-separated flag set are kept; the first set is sorted in ASCII order.
std::string update_maildir_info(std::string_view old_info, uint8_t system,
                                const std::vector<int>& keyword_slots);

// A fresh Dovecot-style base name `<secs>.M<usecs>P<pid>.<host>`, strictly
// increasing within the process.
std::string generate_maildir_base_name();

// True when `base` can be used as a file base name (non-empty, no '/', ':',
// whitespace or control characters, not starting with '.').
bool valid_maildir_base_name(std::string_view base);

}  // namespace roost
