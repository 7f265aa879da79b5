// Fuzzes the Maildir control-file and file-name parsers: dovecot-uidlist
// (v1/v3), dovecot-keywords, subscriptions and file names. Whatever parses
// must serialize and parse back to the same thing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "formats/maildir/maildir_filename.hpp"
#include "formats/maildir/maildir_keywords.hpp"
#include "formats/maildir/maildir_uidlist.hpp"
#include "formats/list/subscriptions_file.hpp"
#include "lib/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    auto r = roost::parse_uidlist(in);
    if (r.error.empty() && r.list.version == 3) {
      auto again = roost::parse_uidlist(roost::serialize_uidlist(r.list));
      if (!again.error.empty() || again.list.records.size() != r.list.records.size()) abort();
    }
  } catch (const roost::Error&) {
  }
  try {
    auto kw = roost::MaildirKeywords::parse(in);
    (void)roost::MaildirKeywords::parse(kw.serialize());
  } catch (const roost::Error&) {
  }
  try {
    auto subs = roost::parse_subscriptions(in, '/');
    (void)roost::parse_subscriptions(roost::serialize_subscriptions(subs, '/'), '/');
  } catch (const roost::Error&) {
  }
  auto name = roost::parse_maildir_filename(in);
  (void)roost::parse_maildir_info(name.info);
  (void)roost::maildir_size_extra(name.base, 'S');
  (void)roost::valid_maildir_base_name(name.base);
  return 0;
}
