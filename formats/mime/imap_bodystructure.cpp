#include "formats/mime/imap_bodystructure.hpp"

#include "formats/mime/address.hpp"
#include "lib/imap/imap_string.hpp"
#include "lib/strutil.hpp"

namespace roost {
namespace {

constexpr char kEmptyBody[] = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)";
constexpr char kEmptyBodystructure[] =
    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)";

void write_addresses(std::string& out, const std::vector<MailAddress>& list) {
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  for (const auto& a : list) {
    out += '(';
    if (a.name) {
      imap_append_string_for_humans(out, *a.name);
    } else {
      out += "NIL";
    }
    out += ' ';
    imap_append_quote(out, a.route ? std::optional<std::string_view>(*a.route) : std::nullopt);
    out += ' ';
    imap_append_quote(out, a.mailbox ? std::optional<std::string_view>(*a.mailbox) : std::nullopt);
    out += ' ';
    imap_append_quote(out, a.domain ? std::optional<std::string_view>(*a.domain) : std::nullopt);
    out += ')';
  }
  out += ')';
}

std::optional<std::string_view> opt(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

void write_params(std::string& out, const std::vector<MimeParam>& params, bool default_charset) {
  if (!default_charset && params.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  bool seen_charset = false;
  bool first = true;
  for (const auto& p : params) {
    if (!first) out += ' ';
    first = false;
    if (default_charset && iequals(p.name, "charset")) seen_charset = true;
    imap_append_quote(out, p.name);
    out += ' ';
    imap_append_quote(out, p.value);
  }
  if (default_charset && !seen_charset) {
    if (!first) out += ' ';
    out += "\"charset\" \"us-ascii\"";
  }
  out += ')';
}

void write_common_ext(std::string& out, const MimePart& p) {
  out += ' ';
  if (!p.content_disposition) {
    out += "NIL";
  } else {
    out += '(';
    imap_append_quote(out, *p.content_disposition);
    out += ' ';
    write_params(out, p.content_disposition_params, false);
    out += ')';
  }
  out += ' ';
  if (p.content_language.empty()) {
    out += "NIL";
  } else {
    out += '(';
    for (size_t i = 0; i < p.content_language.size(); ++i) {
      if (i) out += ' ';
      imap_append_quote(out, p.content_language[i]);
    }
    out += ')';
  }
  out += ' ';
  imap_append_quote_nolf(out, opt(p.content_location));
}

void write_part(std::string& out, const MimePart& p, bool extended);

void write_siblings(std::string& out, const std::vector<MimePart>& parts, bool extended) {
  for (const auto& c : parts) {
    out += '(';
    write_part(out, c, extended);
    out += ')';
  }
}

void write_multipart(std::string& out, const MimePart& p, bool extended) {
  if (!p.children.empty()) {
    write_siblings(out, p.children, extended);
  } else {
    out += extended ? kEmptyBodystructure : kEmptyBody;
  }
  out += ' ';
  imap_append_quote(out, p.content_subtype.value_or(""));
  if (!extended) return;
  out += ' ';
  write_params(out, p.content_type_params, false);
  write_common_ext(out, p);
}

void write_part(std::string& out, const MimePart& p, bool extended) {
  if (p.multipart && !p.truncated) {
    write_multipart(out, p, extended);
    return;
  }
  bool text = false;
  bool rfc822 = p.message_rfc822 && !p.truncated && !p.children.empty();
  if (rfc822) {
    out += "\"message\" \"rfc822\"";
  } else if (p.truncated || (p.content_type && iequals(*p.content_type, "multipart")) ||
             (p.message_rfc822 && p.children.empty())) {
    out += "\"application\" \"octet-stream\"";
  } else if (!p.content_type || !p.is_mime) {
    text = true;
    out += "\"text\" \"plain\"";
  } else {
    text = iequals(*p.content_type, "text");
    imap_append_quote(out, *p.content_type);
    out += ' ';
    imap_append_quote(out, p.content_subtype.value_or(""));
  }
  out += ' ';
  write_params(out, p.content_type_params, text);
  out += ' ';
  imap_append_quote_nolf(out, opt(p.content_id));
  out += ' ';
  imap_append_quote_nolf(out, opt(p.content_description));
  out += ' ';
  if (p.content_transfer_encoding) {
    imap_append_quote(out, *p.content_transfer_encoding);
  } else {
    out += "\"7bit\"";
  }
  out += ' ';
  out += std::to_string(p.body_virtual_size);
  if (text) {
    out += ' ';
    out += std::to_string(p.body_lines);
  } else if (rfc822) {
    out += " (";
    out += imap_envelope(p.children[0].header);
    out += ") ";
    write_siblings(out, p.children, extended);
    out += ' ';
    out += std::to_string(p.body_lines);
  }
  if (!extended) return;
  out += ' ';
  imap_append_quote_nolf(out, opt(p.content_md5));
  write_common_ext(out, p);
}

}  // namespace

std::string imap_envelope(const HeaderBlock& header) {
  std::optional<std::string_view> date, subject, message_id, in_reply_to;
  std::vector<MailAddress> from, sender, reply_to, to, cc, bcc;
  bool have_from = false, have_sender = false, have_reply_to = false;
  for (const auto& f : header.fields) {
    const std::string& n = f.name;
    auto merge = [&](std::vector<MailAddress>& list) {
      auto parsed = parse_address_list(f.value);
      list.insert(list.end(), parsed.begin(), parsed.end());
    };
    if (iequals(n, "Date")) {
      date = f.value;
    } else if (iequals(n, "Subject")) {
      subject = f.value;
    } else if (iequals(n, "Message-ID")) {
      message_id = f.value;
    } else if (iequals(n, "In-Reply-To")) {
      in_reply_to = f.value;
    } else if (iequals(n, "From")) {
      merge(from);
      have_from = true;
    } else if (iequals(n, "Sender")) {
      merge(sender);
      have_sender = true;
    } else if (iequals(n, "Reply-To")) {
      merge(reply_to);
      have_reply_to = true;
    } else if (iequals(n, "To")) {
      merge(to);
    } else if (iequals(n, "Cc")) {
      merge(cc);
    } else if (iequals(n, "Bcc")) {
      merge(bcc);
    }
  }
  std::string out;
  imap_append_quote_nolf(out, date);
  out += ' ';
  if (subject) {
    imap_append_string_for_humans(out, *subject);
  } else {
    out += "NIL";
  }
  out += ' ';
  write_addresses(out, from);
  out += ' ';
  write_addresses(out, have_sender && !sender.empty() ? sender : from);
  out += ' ';
  write_addresses(out, have_reply_to && !reply_to.empty() ? reply_to : from);
  out += ' ';
  write_addresses(out, to);
  out += ' ';
  write_addresses(out, cc);
  out += ' ';
  write_addresses(out, bcc);
  out += ' ';
  imap_append_quote_nolf(out, in_reply_to);
  out += ' ';
  imap_append_quote_nolf(out, message_id);
  (void)have_from;
  return out;
}

std::string imap_body(const MimePart& root) {
  std::string out;
  write_part(out, root, false);
  return out;
}

std::string imap_bodystructure(const MimePart& root) {
  std::string out;
  write_part(out, root, true);
  return out;
}

}  // namespace roost
