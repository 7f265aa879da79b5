// fetch <fields> <query>
#include <ctime>
#include <istream>

#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/verbs/fetch_fields.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost::cli {

namespace {

// Streams the raw message in pieces: the header block (including the empty
// line that ends it), the body, or both. A message never has to fit in
// memory.
void stream_part(const MatchedMail& m, Printer& p, bool header, bool body) {
  auto in = m.open();
  char buf[65536];
  bool in_header = true;
  std::string line;
  while (in_header && std::getline(*in, line)) {
    bool eol = !in->eof();
    bool blank = line.empty() || line == "\r";
    if (header) {
      p.print_chunk(line);
      if (eol) p.print_chunk("\n");
    }
    if (blank) in_header = false;
  }
  if (body && !in_header) {
    while (in->read(buf, sizeof buf) || in->gcount() > 0)
      p.print_chunk(std::string_view(buf, static_cast<size_t>(in->gcount())));
  }
  p.end_stream();
}

struct FieldDef {
  const char* name;
  void (*print)(const MatchedMail&, Printer&, FetchState&);
};

void print_str(Printer& p, const std::string& s) { p.print(s); }

const FieldDef kFields[] = {
    {"user", [](const MatchedMail&, Printer& p, FetchState& s) { print_str(p, s.user); }},
    {"mailbox", [](const MatchedMail& m, Printer& p, FetchState&) { p.print(m.mailbox); }},
    {"mailbox-guid",
     [](const MatchedMail& m, Printer& p, FetchState&) { p.print(m.mailbox_guid); }},
    {"seq", [](const MatchedMail& m, Printer& p, FetchState&) { p.print(std::to_string(m.seq)); }},
    {"uid",
     [](const MatchedMail& m, Printer& p, FetchState&) { p.print(std::to_string(m.record.uid)); }},
    {"guid", [](const MatchedMail& m, Printer& p, FetchState&) { p.print(m.record.guid); }},
    {"flags",
     [](const MatchedMail& m, Printer& p, FetchState&) { p.print(format_flags(m.record.flags)); }},
    {"modseq", [](const MatchedMail& m, Printer& p,
                  FetchState&) { p.print(std::to_string(m.record.modseq)); }},
    {"hdr", [](const MatchedMail& m, Printer& p, FetchState&) { stream_part(m, p, true, false); }},
    {"body", [](const MatchedMail& m, Printer& p, FetchState&) { stream_part(m, p, false, true); }},
    {"text", [](const MatchedMail& m, Printer& p, FetchState&) { stream_part(m, p, true, true); }},
    {"size.physical", [](const MatchedMail& m, Printer& p,
                         FetchState&) { p.print(std::to_string(m.record.physical_size)); }},
    {"size.virtual", [](const MatchedMail& m, Printer& p,
                        FetchState&) { p.print(std::to_string(m.record.virtual_size)); }},
    {"date.received", [](const MatchedMail& m, Printer& p,
                         FetchState&) { p.print(format_local_date(m.record.received_date)); }},
    {"date.saved", [](const MatchedMail& m, Printer& p,
                      FetchState&) { p.print(format_local_date(m.record.save_date)); }},
    {"date.sent", [](const MatchedMail& m, Printer& p, FetchState& s) { print_date_sent(m, p, s, false); }},
    {"date.received.unixtime", [](const MatchedMail& m, Printer& p,
                                  FetchState&) { p.print(std::to_string(m.record.received_date)); }},
    {"date.saved.unixtime", [](const MatchedMail& m, Printer& p,
                               FetchState&) { p.print(std::to_string(m.record.save_date)); }},
    {"date.sent.unixtime",
     [](const MatchedMail& m, Printer& p, FetchState& s) { print_date_sent(m, p, s, true); }},
    {"imap.envelope", [](const MatchedMail& m, Printer& p, FetchState& s) { print_imap_envelope(m, p, s); }},
    {"imap.body", [](const MatchedMail& m, Printer& p, FetchState& s) { print_imap_body(m, p, s, false); }},
    {"imap.bodystructure",
     [](const MatchedMail& m, Printer& p, FetchState& s) { print_imap_body(m, p, s, true); }},
    {"body.snippet", [](const MatchedMail& m, Printer& p, FetchState& s) { print_snippet(m, p, s); }},
    {"body.preview", [](const MatchedMail& m, Printer& p, FetchState& s) { print_snippet(m, p, s); }},
    // The UIDL the storage recorded (empty when the POP3 server's default
    // format applies), as doveadm prints it.
    {"pop3.uidl", [](const MatchedMail& m, Printer& p, FetchState&) { p.print(m.record.pop3_uidl); }},
    {"pop3.order", [](const MatchedMail& m, Printer& p, FetchState&) {
       p.print(m.record.pop3_order ? std::to_string(m.record.pop3_order) : "");
     }},
};

struct Column {
  const FieldDef* def = nullptr;
  std::string header_name;  // for hdr.<name>
  bool header_utf8 = false;
};

std::vector<Column> parse_fields(const std::string& text) {
  std::vector<Column> out;
  for (const auto& word : split_ws(text)) {
    std::string f = to_lower(word);
    Column c;
    for (const auto& d : kFields)
      if (f == d.name) c.def = &d;
    if (!c.def && f.compare(0, 4, "hdr.") == 0 && f.size() > 4) {
      c.header_name = word.substr(4);
      if (f.size() > 9 && f.compare(f.size() - 5, 5, ".utf8") == 0) {
        c.header_utf8 = true;
        c.header_name.resize(c.header_name.size() - 5);
      }
    } else if (!c.def) {
      std::string known = "hdr.<name>";
      for (const auto& d : kFields) known += std::string(" ") + d.name;
      throw Error(kExitUsage, "Unknown fetch field: " + word + " (available: " + known + ")");
    }
    out.push_back(c);
  }
  if (out.empty()) throw Error(kExitUsage, "fetch: no fields given");
  return out;
}

}  // namespace

int verb_fetch(CommandContext& ctx) {
  struct State {
    std::vector<Column> columns;
    std::unique_ptr<MailQuery> query;
  };
  auto st = std::make_shared<State>();
  ctx.set_default_formatter("pager");  // as doveadm fetch
  return run_mail_verb(
      ctx, {"fetch", "", 2,
            [st](CommandContext& c, MailCommandArgs& a) {
              st->columns = parse_fields(a.positional[0]);
              st->query = std::make_unique<MailQuery>(
                  std::vector<std::string>(a.positional.begin() + 1, a.positional.end()));
              for (const auto& col : st->columns)
                c.printer().add_header(col.def ? col.def->name : "hdr." + col.header_name);
            },
            [st](CommandContext& c, MailUser& user, MailCommandArgs&) {
              FetchState fs;
              fs.user = user.name();
              st->query->for_each(user, [&](const MatchedMail& m) {
                fs.begin_message(m);
                for (const auto& col : st->columns) {
                  if (col.def)
                    col.def->print(m, c.printer(), fs);
                  else
                    print_header_field(m, c.printer(), fs, col.header_name, col.header_utf8);
                }
              });
            }});
}

}  // namespace roost::cli
