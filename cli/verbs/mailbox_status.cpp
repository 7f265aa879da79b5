// mailbox status [-t] <fields> <mailbox mask>...
#include <algorithm>

#include "cli/mail_command.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost::cli {

namespace {
const std::vector<std::string> kAllFields = {"messages", "recent",        "uidnext",
                                             "uidvalidity", "unseen",     "highestmodseq",
                                             "vsize",    "guid",          "firstsaved"};
const std::vector<std::string> kSummable = {"messages", "recent", "unseen", "vsize"};

std::vector<std::string> parse_fields(const std::string& text, bool total) {
  std::vector<std::string> out;
  for (const auto& f : split_ws(text)) {
    std::string field = to_lower(f);
    if (field == "all") {
      for (const auto& a : kAllFields)
        if (!total || std::count(kSummable.begin(), kSummable.end(), a)) out.push_back(a);
      continue;
    }
    if (!std::count(kAllFields.begin(), kAllFields.end(), field))
      throw Error(kExitUsage, "Unknown status field: " + f + " (known: all " +
                                  join(kAllFields, " ") + ")");
    if (total && !std::count(kSummable.begin(), kSummable.end(), field))
      throw Error(kExitUsage, "Status field " + field + " can't be used with -t");
    out.push_back(field);
  }
  if (out.empty()) throw Error(kExitUsage, "mailbox status: no status fields given");
  // doveadm keeps the fields as a bit set: each once, in its fixed order,
  // whatever order they were asked in.
  std::vector<std::string> ordered;
  for (const auto& a : kAllFields)
    if (std::count(out.begin(), out.end(), a)) ordered.push_back(a);
  return ordered;
}

std::string first_saved(Mailbox& box) {
  const auto& msgs = box.messages();
  if (msgs.empty()) return "never";
  return std::to_string(msgs.front().save_date);
}

std::string field_value(const std::string& f, const MailboxStatus& st, Mailbox& box) {
  if (f == "messages") return std::to_string(st.messages);
  if (f == "recent") return std::to_string(st.recent);
  if (f == "uidnext") return std::to_string(st.uidnext);
  if (f == "uidvalidity") return std::to_string(st.uidvalidity);
  if (f == "unseen") return std::to_string(st.unseen);
  if (f == "highestmodseq") return std::to_string(st.highest_modseq);
  if (f == "vsize") return std::to_string(st.vsize);
  if (f == "guid") return st.guid.hex();
  return first_saved(box);
}
}  // namespace

int verb_mailbox_status(CommandContext& ctx) {
  auto fields = std::make_shared<std::vector<std::string>>();
  return run_mail_verb(
      ctx, {"mailbox status", "t", 2,
            [fields](CommandContext& c, MailCommandArgs& a) {
              *fields = parse_fields(a.positional[0], a.has('t'));
              if (!a.has('t')) c.printer().add_header("mailbox", "mailbox", kHeaderHideTitle);
              for (const auto& f : *fields) c.printer().add_header(f);
            },
            [fields](CommandContext& c, MailUser& user, MailCommandArgs& a) {
              std::vector<std::string> patterns(a.positional.begin() + 1, a.positional.end());
              auto boxes = user.match_mailboxes(patterns);
              if (boxes.empty()) {
                // A plain name that matched nothing: doveadm says it is missing.
                for (const auto& p : patterns)
                  if (p.find_first_of("*%") == std::string::npos)
                    throw Error(kExitNotFound, "Mailbox " + p +
                                                   ": Failed to lookup mailbox status: "
                                                   "Mailbox doesn't exist: " + p);
              }
              uint64_t messages = 0, recent = 0, unseen = 0, vsize = 0;
              for (const auto& b : boxes) {
                if (!b.selectable) continue;
                auto box = user.open_mailbox(b.name);
                auto st = box->status();
                if (a.has('t')) {
                  messages += st.messages;
                  recent += st.recent;
                  unseen += st.unseen;
                  vsize += st.vsize;
                  continue;
                }
                c.printer().print(b.name);
                for (const auto& f : *fields) c.printer().print(field_value(f, st, *box));
              }
              if (a.has('t')) {
                for (const auto& f : *fields) {
                  uint64_t v = f == "messages" ? messages
                               : f == "recent" ? recent
                               : f == "unseen" ? unseen
                                               : vsize;
                  c.printer().print(std::to_string(v));
                }
              }
            }});
}

}  // namespace roost::cli
