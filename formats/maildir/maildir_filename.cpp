#include "formats/maildir/maildir_filename.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "formats/model/flags.hpp"
#include "lib/fsutil.hpp"

namespace roost {

MaildirFileName parse_maildir_filename(std::string_view name) {
  MaildirFileName out;
  size_t colon = name.find(':');
  out.base = std::string(name.substr(0, colon));
  if (colon == std::string_view::npos) return out;
  std::string_view rest = name.substr(colon + 1);
  if (rest.substr(0, 2) == "2,") {
    out.has_info = true;
    out.info = std::string(rest.substr(2));
  } else {
    out.other_info = std::string(rest);
  }
  return out;
}

std::string format_maildir_filename(const MaildirFileName& name) {
  if (name.has_info) return name.base + ":2," + name.info;
  if (!name.other_info.empty()) return name.base + ":" + name.other_info;
  return name.base;
}

std::optional<uint64_t> maildir_size_extra(std::string_view base, char key) {
  const char pat[3] = {',', key, '='};
  size_t pos = base.find(std::string_view(pat, 3));
  if (pos == std::string_view::npos) return std::nullopt;
  pos += 3;
  uint64_t v = 0;
  size_t start = pos;
  while (pos < base.size() && base[pos] >= '0' && base[pos] <= '9') {
    if (v > (UINT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(base[pos] - '0');
    ++pos;
  }
  if (pos == start) return std::nullopt;
  if (pos < base.size() && base[pos] != ',' && base[pos] != ':') return std::nullopt;
  return v;
}

namespace {
uint8_t flag_of_letter(char c) {
  switch (c) {
    case 'D': return kFlagDraft;
    case 'F': return kFlagFlagged;
    case 'R': return kFlagAnswered;
    case 'S': return kFlagSeen;
    case 'T': return kFlagDeleted;
    default: return 0;
  }
}
}  // namespace

MaildirInfoFlags parse_maildir_info(std::string_view info) {
  MaildirInfoFlags out;
  std::string_view first = info.substr(0, info.find(','));
  for (char c : first) {
    if (uint8_t f = flag_of_letter(c)) {
      out.system |= f;
    } else if (c >= 'a' && c <= 'z') {
      int slot = c - 'a';
      if (std::find(out.keyword_slots.begin(), out.keyword_slots.end(), slot) ==
          out.keyword_slots.end())
        out.keyword_slots.push_back(slot);
    }
  }
  std::sort(out.keyword_slots.begin(), out.keyword_slots.end());
  return out;
}

std::string update_maildir_info(std::string_view old_info, uint8_t system,
                                const std::vector<int>& keyword_slots) {
  size_t comma = old_info.find(',');
  std::string_view first = old_info.substr(0, comma);
  std::string letters;
  for (char c : first)
    if (!flag_of_letter(c) && !(c >= 'a' && c <= 'z') && letters.find(c) == std::string::npos)
      letters += c;  // P and unknown letters stay
  if (system & kFlagDraft) letters += 'D';
  if (system & kFlagFlagged) letters += 'F';
  if (system & kFlagAnswered) letters += 'R';
  if (system & kFlagSeen) letters += 'S';
  if (system & kFlagDeleted) letters += 'T';
  for (int slot : keyword_slots)
    if (slot >= 0 && slot < 26) letters += static_cast<char>('a' + slot);
  std::sort(letters.begin(), letters.end());
  letters.erase(std::unique(letters.begin(), letters.end()), letters.end());
  if (comma != std::string_view::npos) letters += old_info.substr(comma);
  return letters;
}

std::string generate_maildir_base_name() {
  static std::mutex mu;
  static long last_sec = 0, last_usec = 0;
  struct timeval tv;
  ::gettimeofday(&tv, nullptr);
  std::lock_guard<std::mutex> guard(mu);
  // Strictly increasing within the process, so names never collide even when
  // two saves fall into the same microsecond.
  if (tv.tv_sec < last_sec || (tv.tv_sec == last_sec && tv.tv_usec <= last_usec)) {
    tv.tv_sec = last_sec;
    tv.tv_usec = last_usec + 1;
    if (tv.tv_usec >= 1000000) {
      tv.tv_sec++;
      tv.tv_usec = 0;
    }
  }
  last_sec = tv.tv_sec;
  last_usec = tv.tv_usec;
  static const std::string host = safe_hostname();
  return std::to_string(tv.tv_sec) + ".M" + std::to_string(tv.tv_usec) + "P" +
         std::to_string(::getpid()) + "." + host;
}

bool valid_maildir_base_name(std::string_view base) {
  if (base.empty() || base[0] == '.') return false;
  for (unsigned char c : base)
    if (c == '/' || c == ':' || c <= ' ' || c == 0x7f) return false;
  return true;
}

}  // namespace roost
