#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace roost {

// `roost-expunge-keys` in the mailbox's index dir (pure codec): the header
// keys (formats/mime/header_key.hpp) of the mails an mbox rewrite drops,
// written before its rename. "<uidvalidity>\n", then "<uid> <key>\n" per
// mail. A UID names one mail within its UIDVALIDITY, so the keys stay true
// for as long as that UIDVALIDITY does.
inline constexpr const char* kMboxExpungeKeysFile = "roost-expunge-keys";

std::string encode_mbox_expunge_keys(uint32_t uidvalidity,
                                     const std::map<uint32_t, std::string>& keys);
// The keys of `uidvalidity` (none when the file is of another one);
// malformed lines are skipped.
std::map<uint32_t, std::string> decode_mbox_expunge_keys(std::string_view text,
                                                         uint32_t uidvalidity);

}  // namespace roost
