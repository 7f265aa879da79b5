#include "dsync/dsync_wire.hpp"

#include <cstdio>

#include "formats/mime/header_key.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost::dsync {
namespace {

constexpr char kNull = '\002';
using Fields = std::vector<std::optional<std::string>>;

// The key lists Dovecot 2.3.19 announces, in its order.
const std::map<char, std::vector<std::string>>& own_headers() {
  static const std::map<char, std::vector<std::string>> h = {
      {'H',
       {"hostname",
        "sync_ns_prefix",
        "sync_box",
        "sync_box_guid",
        "sync_type",
        "debug",
        "sync_visible_namespaces",
        "exclude_mailboxes",
        "send_mail_requests",
        "backup_send",
        "backup_recv",
        "lock_timeout",
        "no_mail_sync",
        "no_backup_overwrite",
        "purge_remote",
        "no_notify",
        "sync_since_timestamp",
        "sync_max_size",
        "sync_flags",
        "sync_until_timestamp",
        "virtual_all_box",
        "empty_hdr_workaround",
        "import_commit_msgs_interval",
        "hashed_headers",
        "alt_char",
        "roost"}},
      {'S',
       {"mailbox_guid", "last_uidvalidity", "last_common_uid", "last_common_modseq",
        "last_common_pvt_modseq", "last_messages_count", "changes_during_sync"}},
      {'N',
       {"name", "existence", "mailbox_guid", "uid_validity", "uid_next", "last_renamed_or_created",
        "subscribed", "last_subscription_change"}},
      {'D', {"hierarchy_sep", "escape_char", "mailboxes", "dirs", "unsubscribes"}},
      {'B',
       {"mailbox_guid", "uid_validity", "uid_next", "messages_count", "first_recent_uid",
        "highest_modseq", "highest_pvt_modseq", "mailbox_lost", "mailbox_ignore", "cache_fields",
        "have_guids", "have_save_guids", "have_only_guid128", "roost_can_update",
        "roost_attr_digest"}},
      {'A', {"type", "key", "value", "stream", "deleted", "last_change", "modseq"}},
      {'C',
       {"type", "uid", "guid", "hdr_hash", "modseq", "pvt_modseq", "add_flags", "remove_flags",
        "final_flags", "keywords_reset", "keyword_changes", "received_timestamp", "virtual_size"}},
      {'R', {"guid", "uid"}},
      {'M', {"guid", "uid", "pop3_uidl", "pop3_order", "received_date", "saved_date", "stream"}},
      {'F', {"error", "mail_error", "require_full_resync"}},
      {'c', {"name", "decision", "last_used"}},
  };
  return h;
}
const char kHeaderOrder[] = "HSNDBACRMFc";

std::string encode_fields(char type, const Fields& f) {
  size_t n = f.size();
  while (n > 0 && !f[n - 1]) --n;
  std::string line(1, type);
  for (size_t i = 0; i < n; ++i) {
    if (i) line += '\t';
    if (!f[i]) {
      line += kNull;
    } else {
      if (!f[i]->empty() && (*f[i])[0] == kNull) line += kNull;
      line += tab_escape(*f[i]);
    }
  }
  return line + "\n";
}

std::optional<std::string> num(uint64_t v) {
  if (v == 0) return std::nullopt;
  return std::to_string(v);
}
std::optional<std::string> num0(uint64_t v) {
  return std::to_string(v);
}
std::optional<std::string> hex(uint64_t v) {
  if (v == 0) return std::nullopt;
  char b[20];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return std::string(b);
}
std::optional<std::string> flag(bool b) {
  if (!b) return std::nullopt;
  return std::string();
}
std::optional<std::string> str(const std::string& s) {
  return s;
}
std::optional<std::string> opt_str(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::string joined_deletes(const std::vector<DeletedMailbox>& v) {
  std::string out;
  for (const auto& d : v) {
    if (!out.empty()) out += ' ';
    out += d.guid.hex() + " " + std::to_string(d.timestamp);
  }
  return out;
}

// Field lookup by the peer's header.
class FieldReader {
 public:
  FieldReader(const std::vector<std::string>& keys, std::vector<std::optional<std::string>> vals)
      : keys_(keys), vals_(std::move(vals)) {}
  const std::optional<std::string>* get(const std::string& key) const {
    for (size_t i = 0; i < keys_.size() && i < vals_.size(); ++i)
      if (keys_[i] == key) return &vals_[i];
    return nullptr;
  }
  std::string s(const std::string& key) const {
    auto v = get(key);
    return v && *v ? **v : std::string();
  }
  bool b(const std::string& key) const {
    auto v = get(key);
    return v && v->has_value();
  }
  uint64_t u(const std::string& key) const {
    auto v = get(key);
    if (!v || !*v || (*v)->empty()) return 0;
    auto n = parse_u64(**v);
    if (!n) throw Error(kExitProtocol, "dsync: bad number '" + **v + "' in field " + key);
    return *n;
  }
  uint64_t x(const std::string& key) const {
    auto v = get(key);
    if (!v || !*v || (*v)->empty()) return 0;
    uint64_t n = 0;
    if ((*v)->size() > 16) throw Error(kExitProtocol, "dsync: hex field " + key + " too long");
    for (char c : **v) {
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) throw Error(kExitProtocol, "dsync: bad hex '" + **v + "' in field " + key);
      n = n * 16 + static_cast<uint64_t>(d);
    }
    return n;
  }
  Guid128 guid(const std::string& key) const {
    std::string v = s(key);
    if (v.empty()) return {};
    auto g = Guid128::parse(v);
    if (!g) throw Error(kExitProtocol, "dsync: bad mailbox GUID '" + v + "'");
    return *g;
  }

 private:
  const std::vector<std::string>& keys_;
  std::vector<std::optional<std::string>> vals_;
};

std::vector<DeletedMailbox> parse_deletes(const std::string& v) {
  std::vector<DeletedMailbox> out;
  auto parts = split_ws(v);
  if (parts.size() % 2) throw Error(kExitProtocol, "dsync: odd deleted-mailbox list");
  for (size_t i = 0; i < parts.size(); i += 2) {
    auto g = Guid128::parse(parts[i]);
    auto t = parse_u64(parts[i + 1]);
    if (!g || !t) throw Error(kExitProtocol, "dsync: bad deleted-mailbox entry");
    out.push_back({*g, static_cast<int64_t>(*t)});
  }
  return out;
}

uint32_t u32(uint64_t v, const char* what) {
  if (v > 0xffffffffu) throw Error(kExitProtocol, std::string("dsync: ") + what + " too large");
  return static_cast<uint32_t>(v);
}

}  // namespace

std::string encode_preamble() {
  std::string out = "VERSION\tdsync\t3\t5\n";
  for (const char* t = kHeaderOrder; *t; ++t) {
    const auto& keys = own_headers().at(*t);
    out += *t;
    for (size_t i = 0; i < keys.size(); ++i) out += (i ? "\t" : "") + tab_escape(keys[i]);
    out += '\n';
  }
  return out + ".\n";
}

std::string encode_item(const Item& item) {
  struct Visitor {
    std::string operator()(const Handshake& h) {
      std::string ex;
      for (const auto& m : h.exclude_mailboxes) ex += tab_escape(m) + "\t";
      if (!ex.empty()) ex.pop_back();
      char st[2] = {h.sync_type, 0};
      std::optional<std::string> ns;
      if (!h.sync_namespaces.empty()) ns = join(h.sync_namespaces, "\n");
      return encode_fields('H', {str(h.hostname),
                                 ns,
                                 opt_str(h.sync_box),
                                 std::nullopt,
                                 std::string(st),
                                 std::nullopt,
                                 flag(h.sync_visible_namespaces),
                                 opt_str(ex),
                                 flag(h.send_mail_requests),
                                 flag(h.backup_send),
                                 flag(h.backup_recv),
                                 num(h.lock_timeout),
                                 std::nullopt,
                                 flag(h.no_backup_overwrite),
                                 std::nullopt,
                                 std::nullopt,
                                 std::nullopt,
                                 std::nullopt,
                                 std::nullopt,
                                 std::nullopt,
                                 std::nullopt,
                                 std::nullopt,
                                 std::nullopt,
                                 str(h.hashed_headers),
                                 std::nullopt,
                                 flag(h.roost)});
    }
    std::string operator()(const MailboxState& s) {
      return encode_fields('S',
                           {s.mailbox_guid.hex(), num0(s.last_uidvalidity), num0(s.last_common_uid),
                            num0(s.last_common_modseq), num0(s.last_common_pvt_modseq),
                            num(s.last_messages_count), flag(s.changes_during_sync)});
    }
    std::string operator()(const TreeNode& n) {
      std::string name;
      for (size_t i = 0; i < n.name.size(); ++i) name += (i ? "\t" : "") + tab_escape(n.name[i]);
      return encode_fields(
          'N', {name, std::string(1, n.existence),
                n.mailbox_guid.empty() ? std::nullopt : std::optional(n.mailbox_guid.hex()),
                num(n.uid_validity), num(n.uid_next),
                num(static_cast<uint64_t>(n.last_renamed_or_created)), flag(n.subscribed),
                num(static_cast<uint64_t>(n.last_subscription_change))});
    }
    std::string operator()(const MailboxDeletes& d) {
      return encode_fields('D', {std::string(1, d.hierarchy_sep), str(d.escape_char),
                                 opt_str(joined_deletes(d.mailboxes))});
    }
    std::string operator()(const MailboxItem& b) {
      return encode_fields(
          'B',
          {b.mailbox_guid.hex(), num0(b.uid_validity), num0(b.uid_next), num0(b.messages_count),
           num0(b.first_recent_uid), num0(b.highest_modseq), num0(b.highest_pvt_modseq),
           flag(b.mailbox_lost), flag(b.mailbox_ignore), std::nullopt, flag(b.have_guids),
           flag(b.have_save_guids), std::nullopt, flag(b.can_update),
           b.has_attr_digest ? std::optional(std::to_string(b.attr_digest)) : std::nullopt});
    }
    std::string operator()(const MailboxAttributeItem& a) {
      // As Dovecot: the value inline, no value for a tombstone, zero times
      // and modseqs left out.
      return encode_fields('A',
                           {std::string(a.type == AttributeType::kPrivate ? "p" : "s"), str(a.key),
                            a.deleted ? std::nullopt : str(a.value), std::nullopt, flag(a.deleted),
                            num(static_cast<uint64_t>(a.last_change)), num(a.modseq)});
    }
    std::string operator()(const MailChange& c) {
      std::string kw;
      for (size_t i = 0; i < c.keyword_changes.size(); ++i)
        kw += (i ? "\t" : "") + tab_escape(c.keyword_changes[i]);
      Fields f = {std::string(1, c.type), num0(c.uid), str(c.guid)};
      // An expunge names its mail by the header key where GUIDs can't travel.
      if (c.type == 'e' && !c.hdr_hash.empty()) f.push_back(c.hdr_hash);
      if (c.type != 'e') {
        f.insert(f.end(), {c.hdr_hash.empty() ? std::nullopt : std::optional(c.hdr_hash),
                           num(c.modseq), std::nullopt, hex(c.add_flags), hex(c.remove_flags),
                           hex(c.final_flags), flag(c.keywords_reset), opt_str(kw)});
        if (c.type == 's') f.insert(f.end(), {std::nullopt, std::string("ffffffffffffffff")});
      }
      return encode_fields('C', f);
    }
    std::string operator()(const MailRequest& r) {
      return encode_fields('R', {str(r.guid), num(r.uid)});
    }
    std::string operator()(const Mail& m) {
      std::string line =
          encode_fields('M', {str(m.guid), num(m.uid), str(m.pop3_uidl), num(m.pop3_order),
                              num0(static_cast<uint64_t>(m.received_date)),
                              num0(static_cast<uint64_t>(m.saved_date)), flag(m.has_body)});
      if (!m.has_body) return line;
      // Dot-stuffing: a '.' starting the body or following '\n' is doubled.
      std::string out = std::move(line);
      out.reserve(out.size() + m.body.size() + 16);
      bool at_line_start = true;
      for (char c : m.body) {
        if (at_line_start && c == '.') out += '.';
        out += c;
        at_line_start = c == '\n';
      }
      return out + "\r\n.\r\n";
    }
    std::string operator()(const Finish& f) {
      return encode_fields('F', {opt_str(f.error), num(static_cast<uint64_t>(f.mail_error)),
                                 flag(f.require_full_resync)});
    }
    std::string operator()(const EndOfList&) { return ".\n"; }
    std::string operator()(const Done&) { return "X\n"; }
    std::string operator()(const Skipped&) { return std::string(); }
  };
  return std::visit(Visitor{}, item);
}

void WireDecoder::feed(std::string_view bytes) {
  if (pos_ > 65536 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

std::optional<std::string> WireDecoder::take_line() {
  size_t nl = buf_.find('\n', pos_);
  if (nl == std::string::npos) {
    if (buf_.size() - pos_ > (16u << 20))
      throw Error(kExitProtocol, "dsync: a line longer than 16 MB; the peer is not speaking dsync");
    return std::nullopt;
  }
  std::string line = buf_.substr(pos_, nl - pos_);
  pos_ = nl + 1;
  return line;
}

bool WireDecoder::read_body(std::string& out) {
  // Line by line: a line that is just "." (LF or CRLF) ends the body; a
  // leading '.' is dropped; the CRLF before the terminator is not data.
  while (true) {
    size_t nl = buf_.find('\n', pos_);
    if (nl == std::string::npos) return false;
    std::string_view line(buf_.data() + pos_, nl + 1 - pos_);
    pos_ = nl + 1;
    if (line == ".\n" || line == ".\r\n") {
      if (body_.size() >= 2 && body_.compare(body_.size() - 2, 2, "\r\n") == 0)
        body_.resize(body_.size() - 2);
      else if (!body_.empty() && body_.back() == '\n')
        body_.pop_back();
      out = std::move(body_);
      body_.clear();
      return true;
    }
    if (!line.empty() && line[0] == '.') line.remove_prefix(1);
    body_.append(line);
  }
}

std::optional<Item> WireDecoder::next() {
  if (pending_mail_) {
    if (!read_body(pending_mail_->body)) return std::nullopt;
    Item it = std::move(*pending_mail_);
    pending_mail_.reset();
    return it;
  }
  if (pending_attr_) {
    if (!read_body(pending_attr_->value)) return std::nullopt;
    Item it = std::move(*pending_attr_);
    pending_attr_.reset();
    return it;
  }
  while (!preamble_done_) {
    auto line = take_line();
    if (!line) return std::nullopt;
    if (!version_seen_) {
      auto parts = split(*line, '\t');
      if (parts.size() != 4 || parts[0] != "VERSION" || parts[1] != "dsync" || parts[2] != "3")
        throw Error(kExitProtocol, "dsync: the peer sent '" + line->substr(0, 60) +
                                       "' instead of VERSION dsync 3 (incompatible peer)");
      version_seen_ = true;
      continue;
    }
    if (*line == ".") {
      for (char t : std::string("HSNDBCRM"))
        if (!headers_.count(t))
          throw Error(kExitProtocol,
                      std::string("dsync: the peer didn't declare item '") + t + "'");
      preamble_done_ = true;
      break;
    }
    if (line->empty()) throw Error(kExitProtocol, "dsync: empty header line");
    std::vector<std::string> keys;
    for (auto& k : split(line->substr(1), '\t')) keys.push_back(tab_unescape(k));
    headers_[(*line)[0]] = std::move(keys);
  }
  auto line = take_line();
  if (!line) return std::nullopt;
  Item it = decode_line(*line);
  if (auto* m = std::get_if<Mail>(&it); m && m->has_body) {
    pending_mail_ = std::move(*m);
    return next();
  }
  if (pending_attr_body_) {
    pending_attr_body_ = false;
    pending_attr_ = std::move(std::get<MailboxAttributeItem>(it));
    return next();
  }
  return it;
}

Item WireDecoder::decode_line(const std::string& line) {
  if (line == ".") return EndOfList{};
  if (line == "X") return Done{};
  if (line.empty()) throw Error(kExitProtocol, "dsync: empty item line");
  char type = line[0];
  auto h = headers_.find(type);
  if (h == headers_.end())
    throw Error(kExitProtocol, std::string("dsync: item '") + type + "' without a header");
  std::vector<std::optional<std::string>> vals;
  for (const auto& raw : split(line.substr(1), '\t')) {
    if (raw.size() == 1 && raw[0] == kNull) {
      vals.emplace_back(std::nullopt);
      continue;
    }
    std::string v = tab_unescape(raw);
    if (!v.empty() && v[0] == kNull) v.erase(0, 1);
    vals.emplace_back(std::move(v));
  }
  if (line.size() == 1) vals.clear();
  FieldReader f(h->second, std::move(vals));
  switch (type) {
    case 'H': {
      Handshake x;
      x.hostname = f.s("hostname");
      std::string st = f.s("sync_type");
      x.sync_type = st.empty() ? 'c' : st[0];
      x.sync_box = f.s("sync_box");
      if (f.b("sync_ns_prefix")) x.sync_namespaces = split(f.s("sync_ns_prefix"), '\n');
      x.sync_visible_namespaces = f.b("sync_visible_namespaces");
      if (auto ex = f.s("exclude_mailboxes"); !ex.empty())
        for (auto& m : split(ex, '\t')) x.exclude_mailboxes.push_back(tab_unescape(m));
      x.send_mail_requests = f.b("send_mail_requests");
      x.backup_send = f.b("backup_send");
      x.backup_recv = f.b("backup_recv");
      x.no_backup_overwrite = f.b("no_backup_overwrite");
      x.lock_timeout = u32(f.u("lock_timeout"), "lock_timeout");
      x.hashed_headers = f.s("hashed_headers");
      x.roost = f.b("roost");
      return x;
    }
    case 'S': {
      MailboxState x;
      x.mailbox_guid = f.guid("mailbox_guid");
      x.last_uidvalidity = u32(f.u("last_uidvalidity"), "uidvalidity");
      x.last_common_uid = u32(f.u("last_common_uid"), "uid");
      x.last_common_modseq = f.u("last_common_modseq");
      x.last_common_pvt_modseq = f.u("last_common_pvt_modseq");
      x.last_messages_count = u32(f.u("last_messages_count"), "count");
      x.changes_during_sync = f.b("changes_during_sync");
      return x;
    }
    case 'N': {
      TreeNode x;
      for (auto& part : split(f.s("name"), '\t')) x.name.push_back(tab_unescape(part));
      if (f.s("name").empty())
        throw Error(kExitProtocol, "dsync: mailbox tree node without a name");
      std::string e = f.s("existence");
      x.existence = e.empty() ? 'y' : e[0];
      x.mailbox_guid = f.guid("mailbox_guid");
      x.uid_validity = u32(f.u("uid_validity"), "uidvalidity");
      x.uid_next = u32(f.u("uid_next"), "uidnext");
      x.last_renamed_or_created = static_cast<int64_t>(f.u("last_renamed_or_created"));
      x.subscribed = f.b("subscribed");
      x.last_subscription_change = static_cast<int64_t>(f.u("last_subscription_change"));
      return x;
    }
    case 'D': {
      MailboxDeletes x;
      std::string sep = f.s("hierarchy_sep");
      x.hierarchy_sep = sep.empty() ? '/' : sep[0];
      x.escape_char = f.s("escape_char");
      x.mailboxes = parse_deletes(f.s("mailboxes"));
      return x;
    }
    case 'B': {
      MailboxItem x;
      x.mailbox_guid = f.guid("mailbox_guid");
      x.uid_validity = u32(f.u("uid_validity"), "uidvalidity");
      x.uid_next = u32(f.u("uid_next"), "uidnext");
      x.messages_count = u32(f.u("messages_count"), "count");
      x.first_recent_uid = u32(f.u("first_recent_uid"), "uid");
      x.highest_modseq = f.u("highest_modseq");
      x.highest_pvt_modseq = f.u("highest_pvt_modseq");
      x.mailbox_lost = f.b("mailbox_lost");
      x.mailbox_ignore = f.b("mailbox_ignore");
      x.have_guids = f.b("have_guids");
      x.have_save_guids = f.b("have_save_guids");
      x.can_update = f.b("roost_can_update");
      if (auto d = f.get("roost_attr_digest"); d && *d) {
        x.has_attr_digest = true;
        x.attr_digest = f.u("roost_attr_digest");
      }
      return x;
    }
    case 'A': {
      MailboxAttributeItem x;
      std::string t = f.s("type");
      if (t != "p" && t != "s")
        throw Error(kExitProtocol, "dsync: bad mailbox attribute type '" + t + "'");
      x.type = t == "p" ? AttributeType::kPrivate : AttributeType::kShared;
      x.key = f.s("key");
      if (x.key.empty()) throw Error(kExitProtocol, "dsync: mailbox attribute without a key");
      x.deleted = f.b("deleted");
      x.last_change = static_cast<int64_t>(f.u("last_change"));
      x.modseq = f.u("modseq");
      x.value = f.s("value");
      if (f.b("stream")) pending_attr_body_ = true;  // the value follows as a body
      return x;
    }
    case 'C': {
      MailChange x;
      std::string t = f.s("type");
      if (t.size() != 1 || (t[0] != 's' && t[0] != 'e' && t[0] != 'f'))
        throw Error(kExitProtocol, "dsync: bad mail change type '" + t + "'");
      x.type = t[0];
      x.uid = u32(f.u("uid"), "uid");
      x.guid = f.s("guid");
      x.hdr_hash = f.s("hdr_hash");
      x.modseq = f.u("modseq");
      // 0x20 (\Recent) and 0x80 (index-internal) are never synced.
      x.add_flags = static_cast<uint8_t>(f.x("add_flags") & kFlagsStorable);
      x.remove_flags = static_cast<uint8_t>(f.x("remove_flags") & kFlagsStorable);
      x.final_flags = static_cast<uint8_t>(f.x("final_flags") & kFlagsStorable);
      x.keywords_reset = f.b("keywords_reset");
      if (auto kw = f.s("keyword_changes"); !kw.empty())
        for (auto& k : split(kw, '\t')) x.keyword_changes.push_back(tab_unescape(k));
      return x;
    }
    case 'R': {
      MailRequest x;
      x.guid = f.s("guid");
      x.uid = u32(f.u("uid"), "uid");
      return x;
    }
    case 'M': {
      Mail x;
      x.guid = f.s("guid");
      x.uid = u32(f.u("uid"), "uid");
      x.pop3_uidl = f.s("pop3_uidl");
      x.pop3_order = u32(f.u("pop3_order"), "pop3_order");
      x.received_date = static_cast<int64_t>(f.u("received_date"));
      x.saved_date = static_cast<int64_t>(f.u("saved_date"));
      x.has_body = f.b("stream");
      return x;
    }
    case 'F': {
      Finish x;
      x.error = f.s("error");
      x.mail_error = static_cast<int>(f.u("mail_error") & 0xffff);
      x.require_full_resync = f.b("require_full_resync");
      return x;
    }
    default:
      // Items Roost doesn't use (cache fields) are skipped.
      return Skipped{};
  }
}

std::string header_hash_v3(std::string_view data) {
  return roost::header_hash_v3(data);
}

}  // namespace roost::dsync
