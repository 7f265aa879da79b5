// deduplicate [-m] <search query>
#include <unordered_set>
#include <utility>

#include "cli/mail_command.hpp"
#include "cli/mail_query.hpp"
#include "cli/verbs/verbs.hpp"
#include "formats/mime/header.hpp"
#include "lib/error.hpp"

namespace roost::cli {

namespace {

// The first Message-ID header's value exactly as written (doveadm compares
// the strings; no normalisation). "" when there is none or the message is
// gone (expunged meanwhile by someone else: nothing left to deduplicate).
std::string message_id_of(Mailbox& box, uint32_t uid) {
  std::string header;
  try {
    header = box.read_header(uid);
  } catch (const Error& e) {
    if (e.exit_code() == kExitNotFound || e.exit_code() == kExitNoInput) return "";
    throw;
  }
  HeaderBlock block = parse_header_block(header);
  auto id = block.first("Message-ID");
  return id ? std::string(*id) : "";
}

// The UIDs to expunge among `matches` (UID order): every message whose key
// (message GUID, or Message-ID with -m) an earlier match already had, so
// the lowest UID, the oldest copy, is kept. Messages without a key never
// count as duplicates.
std::vector<uint32_t> find_duplicates(Mailbox& box,
                                      const std::vector<const MessageRecord*>& matches,
                                      bool by_message_id) {
  // UIDs and GUIDs are copied first: reading a header may make the driver
  // re-read the mailbox, which replaces the records `matches` points into.
  std::vector<std::pair<uint32_t, std::string>> candidates;
  candidates.reserve(matches.size());
  for (const auto* rec : matches) candidates.emplace_back(rec->uid, rec->guid);
  std::unordered_set<std::string> seen;
  std::vector<uint32_t> duplicates;
  for (auto& [uid, key] : candidates) {
    if (by_message_id) key = message_id_of(box, uid);
    if (key.empty()) continue;
    if (!seen.insert(std::move(key)).second) duplicates.push_back(uid);
  }
  return duplicates;
}

}  // namespace

int verb_deduplicate(CommandContext& ctx) {
  auto query = std::make_shared<std::unique_ptr<MailQuery>>();
  auto prepare = [query](CommandContext&, MailCommandArgs& a) {
    *query = std::make_unique<MailQuery>(a.positional);
  };
  // Within each mailbox only, as doveadm does: copies in two mailboxes are
  // not duplicates.
  auto run = [query](CommandContext&, MailUser& user, MailCommandArgs& a) {
    bool by_message_id = a.has('m');
    (*query)->for_each_mailbox(user, [&](const std::string&, const std::string&, Mailbox& box,
                                         const std::vector<const MessageRecord*>& matches) {
      std::vector<uint32_t> duplicates = find_duplicates(box, matches, by_message_id);
      if (duplicates.empty()) return;
      auto tx = box.begin();
      for (uint32_t uid : duplicates) tx->expunge(uid);
      tx->commit();
    });
  };
  return run_mail_verb(ctx, {"deduplicate", "m", 1, prepare, run});
}

}  // namespace roost::cli
