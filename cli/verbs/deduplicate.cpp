// deduplicate [-m] <search query>
#include <unordered_set>

#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/verbs/verbs.hpp"
#include "formats/mime/header.hpp"
#include "lib/error.hpp"

namespace roost::cli {

namespace {

// The key two copies of one message share: the message GUID, or with -m
// the first Message-ID header's value exactly as written (doveadm compares
// the strings; no normalisation). Empty: the message takes no part.
std::string duplicate_key(Mailbox& box, const MessageRecord& rec, bool by_message_id) {
  if (!by_message_id) return rec.guid;
  std::string header;
  try {
    header = box.read_header(rec.uid);
  } catch (const Error& e) {
    // Expunged meanwhile by someone else: nothing left to deduplicate.
    if (e.exit_code() == kExitNotFound || e.exit_code() == kExitNoInput) return "";
    throw;
  }
  HeaderBlock block = parse_header_block(header);
  auto id = block.first("Message-ID");
  return id ? std::string(*id) : "";
}

}  // namespace

int verb_deduplicate(CommandContext& ctx) {
  auto query = std::make_shared<std::unique_ptr<MailQuery>>();
  return run_mail_verb(ctx, {"deduplicate", "m", 1,
                             [query](CommandContext&, MailCommandArgs& a) {
                               *query = std::make_unique<MailQuery>(a.positional);
                             },
                             [query](CommandContext&, MailUser& user, MailCommandArgs& a) {
                               bool by_message_id = a.has('m');
                               (*query)->for_each_mailbox(
                                   user, [&](const std::string&, const std::string&, Mailbox& box,
                                             const std::vector<const MessageRecord*>& matches) {
                                     // Within one mailbox only, as doveadm: the matches come
                                     // in UID order, so the lowest UID (the oldest copy) is
                                     // the one kept.
                                     std::unordered_set<std::string> seen;
                                     std::vector<uint32_t> duplicates;
                                     for (const auto* rec : matches) {
                                       std::string key = duplicate_key(box, *rec, by_message_id);
                                       if (key.empty()) continue;
                                       if (!seen.insert(std::move(key)).second)
                                         duplicates.push_back(rec->uid);
                                     }
                                     if (duplicates.empty()) return;
                                     auto tx = box.begin();
                                     for (uint32_t uid : duplicates) tx->expunge(uid);
                                     tx->commit();
                                   });
                             }});
}

}  // namespace roost::cli
