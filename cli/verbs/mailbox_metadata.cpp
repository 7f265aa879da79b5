// mailbox metadata set | unset | get | list (doveadm 2.3's syntax)
#include "cli/environment.hpp"
#include "cli/mail_command.hpp"
#include "cli/special_use.hpp"
#include "cli/verbs/verbs.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost::cli {
namespace {

// Server metadata (-s with an empty mailbox name) lives, as in Dovecot,
// under INBOX's attributes (private or shared) with this prefix.
constexpr const char* kServerPrefix = "vendor/vendor.dovecot/pvt/server/";

struct Target {
  std::unique_ptr<Mailbox> box;
  MailUser::Resolved where;
  std::string key_prefix;  // kServerPrefix for server metadata
};

Target open_target(MailUser& user, MailCommandArgs& a, const std::string& verb) {
  std::string name = a.positional[0];
  Target t;
  if (name.empty()) {
    if (!a.has('s'))
      throw Error(kExitUsage, "mailbox metadata " + verb +
                                  ": give a mailbox name (or -s with \"\" for server metadata)");
    name = "INBOX";
    t.key_prefix = kServerPrefix;
  }
  t.where = user.resolve(name);
  t.box = t.where.ns->storage->open_mailbox(t.where.storage_name);
  return t;
}

// "/private/Comment" -> (private, "comment"): doveadm lower-cases keys.
std::pair<AttributeType, std::string> parse_key(const std::string& arg, const Target& t) {
  auto [type, key] = parse_attribute_name(to_lower(arg));
  key = t.key_prefix + key;
  return {type, key};
}

void check_count(const MailCommandArgs& a, size_t n, const std::string& verb,
                 const std::string& usage) {
  if (a.positional.size() != n)
    throw Error(kExitUsage, "usage: mailbox metadata " + verb + " " + usage);
}

}  // namespace

int verb_mailbox_metadata_set(CommandContext& ctx) {
  return run_mail_verb(ctx, {"mailbox metadata set", "s", 3, nullptr,
                             [](CommandContext&, MailUser& user, MailCommandArgs& a) {
                               check_count(a, 3, "set", "[-s] <mailbox> <key> <value>");
                               Target t = open_target(user, a, "set");
                               auto [type, key] = parse_key(a.positional[1], t);
                               MailboxAttribute attr;
                               attr.type = type;
                               attr.key = key;
                               attr.value = a.positional[2];
                               attr.deleted = attr.value.empty();  // "" removes (RFC 5464 NIL)
                               t.box->set_attribute(attr);
                             }});
}

int verb_mailbox_metadata_unset(CommandContext& ctx) {
  return run_mail_verb(ctx, {"mailbox metadata unset", "s", 2, nullptr,
                             [](CommandContext&, MailUser& user, MailCommandArgs& a) {
                               check_count(a, 2, "unset", "[-s] <mailbox> <key>");
                               Target t = open_target(user, a, "unset");
                               auto [type, key] = parse_key(a.positional[1], t);
                               t.box->unset_attribute(type, key);
                             }});
}

int verb_mailbox_metadata_get(CommandContext& ctx) {
  ctx.set_default_formatter("flow");
  return run_mail_verb(
      ctx, {"mailbox metadata get", "s", 2,
            [](CommandContext& c, MailCommandArgs&) {
              c.printer().add_header("value", "value", kHeaderHideTitle);
            },
            [](CommandContext& c, MailUser& user, MailCommandArgs& a) {
              check_count(a, 2, "get", "[-s] <mailbox> <key>");
              Target t = open_target(user, a, "get");
              auto [type, key] = parse_key(a.positional[1], t);
              std::string value;
              if (auto attr = t.box->attribute(type, key)) {
                value = attr->value;
              } else if (type == AttributeType::kPrivate && key == kSpecialUseAttribute) {
                // As Dovecot: the configured special-use when none is stored.
                value = special_use_of(c.env.config(), *t.where.ns, t.where.storage_name);
              }
              c.printer().print(value);
            }});
}

int verb_mailbox_metadata_list(CommandContext& ctx) {
  ctx.set_default_formatter("flow");
  return run_mail_verb(
      ctx, {"mailbox metadata list", "sp", 1,
            [](CommandContext& c, MailCommandArgs&) {
              c.printer().add_header("key", "key", kHeaderHideTitle);
            },
            [](CommandContext& c, MailUser& user, MailCommandArgs& a) {
              if (a.positional.size() > 2)
                throw Error(kExitUsage,
                            "usage: mailbox metadata list [-s] [-p] <mailbox> [<key prefix>]");
              Target t = open_target(user, a, "list");
              bool any_type = a.positional.size() < 2;
              AttributeType only = AttributeType::kPrivate;
              std::string prefix = t.key_prefix;
              if (!any_type) {
                std::string arg = to_lower(a.positional[1]);
                if (arg == "/private" || arg == "/shared") {
                  only = arg == "/private" ? AttributeType::kPrivate : AttributeType::kShared;
                } else {
                  auto parsed = parse_key(arg, t);
                  only = parsed.first;
                  prefix = parsed.second;
                }
              }
              for (AttributeType type : {AttributeType::kPrivate, AttributeType::kShared}) {
                if (!any_type && type != only) continue;
                for (const auto& attr : t.box->attributes()) {
                  if (attr.type != type || attr.key.compare(0, prefix.size(), prefix) != 0)
                    continue;
                  std::string key = attr.key.substr(t.key_prefix.size());
                  c.printer().print(a.has('p') ? attribute_name(type, key) : key);
                }
              }
            }});
}

}  // namespace roost::cli
