#include "formats/mbox/mbox_writer.hpp"

#include <ctime>

#include "formats/mbox/mbox_parser.hpp"
#include "lib/fsutil.hpp"

namespace roost {

namespace {
// Dovecot keeps this much padding in X-Keywords so flags can change in
// place (MBOX_HEADER_PADDING).
constexpr size_t kPadding = 50;

std::string uid10(uint32_t v) {
  std::string s = std::to_string(v);
  return std::string(s.size() < 10 ? 10 - s.size() : 0, '0') + s;
}
}  // namespace

std::string render_mbox_metadata(const MboxMetadata& meta) {
  std::string out;
  if (meta.first) {
    out += "X-IMAPbase: " + std::to_string(meta.uidvalidity) + " " + uid10(meta.uid_last);
    for (const auto& k : meta.keywords) out += " " + k;
    out += "\n";
  }
  out += "X-UID: " + std::to_string(meta.uid) + "\n";
  out += "Status: ";
  if (meta.flags.system & kFlagSeen) out += 'R';
  if (meta.old) out += 'O';
  out += "\n";
  std::string kw = "X-Keywords:";
  for (const auto& k : meta.flags.keywords) kw += " " + k;
  kw += std::string(kPadding, ' ');
  out += kw + "\n";
  out += "Content-Length: " + std::to_string(meta.content_length) + "\n";
  std::string xs;
  if (meta.flags.system & kFlagAnswered) xs += 'A';
  if (meta.flags.system & kFlagFlagged) xs += 'F';
  if (meta.flags.system & kFlagDraft) xs += 'T';
  if (meta.flags.system & kFlagDeleted) xs += 'D';
  if (!xs.empty()) out += "X-Status: " + xs + "\n";
  return out;
}

std::string render_mbox_pseudo(uint32_t uidvalidity, uint32_t uid_last,
                               const std::vector<std::string>& keywords, int64_t now) {
  time_t t = static_cast<time_t>(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  char asc[64], rfc[64];
  std::strftime(asc, sizeof asc, "%a %b %d %H:%M:%S %Y", &tm);
  std::strftime(rfc, sizeof rfc, "%a, %d %b %Y %H:%M:%S %z", &tm);
  std::string host = safe_hostname();
  std::string out = std::string("From MAILER_DAEMON  ") + asc + "\n";
  out += std::string("Date: ") + rfc + "\n";
  out += "From: Mail System Internal Data <MAILER-DAEMON@" + host + ">\n";
  out += "Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\n";
  out += "Message-ID: <" + std::to_string(now) + "@" + host + ">\n";
  out += "X-IMAP: " + std::to_string(uidvalidity) + " " + uid10(uid_last);
  for (const auto& k : keywords) out += " " + k;
  out += "\nStatus: RO\n\n";
  out +=
      "This text is part of the internal format of your mail folder, and is not\n"
      "a real message.  It is created automatically by the mail system software.\n"
      "If deleted, important folder data will be lost, and it will be re-created\n"
      "with the data reset to initial values.\n";
  return out;
}

void split_message_for_save(std::string_view raw, std::string& header, std::string& body) {
  header.clear();
  body.clear();
  size_t p = 0;
  bool skipping = false;
  bool ended = false;
  while (p < raw.size()) {
    size_t e = raw.find('\n', p);
    size_t next = e == std::string_view::npos ? raw.size() : e + 1;
    std::string_view line = raw.substr(p, next - p);
    if (line == "\n" || line == "\r\n") {
      header.append(line);
      p = next;
      ended = true;
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (!skipping) header.append(line);
    } else {
      size_t colon = line.find(':');
      std::string_view name = colon == std::string_view::npos ? line : line.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      skipping = line.substr(0, 5) == "From " ||
                 (colon != std::string_view::npos && is_mbox_metadata_header(name));
      if (colon == std::string_view::npos && !skipping) {
        // Not a header line: the message has no header/body separator here;
        // treat the rest as body.
        break;
      }
      if (!skipping) {
        header.append(line);
        if (line.back() != '\n') header += '\n';
      }
    }
    p = next;
  }
  if (!ended) header += "\n";
  body.assign(raw.substr(p));
}

}  // namespace roost
