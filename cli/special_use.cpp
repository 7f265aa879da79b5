#include "cli/special_use.hpp"

#include "formats/location/namespace_settings.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost::cli {
namespace {

std::string configured_special_use(const Config& config, const OpenNamespace& ns,
                                   const std::string& storage_name) {
  for (const auto& settings : load_namespaces(config)) {
    if (settings.prefix != ns.prefix) continue;
    for (const auto& mb : settings.mailboxes) {
      if (mb.name != storage_name) continue;
      std::string out;
      for (const auto& flag : mb.special_use) out += (out.empty() ? "" : " ") + flag;
      return out;
    }
  }
  return {};
}

std::optional<std::string> stored_special_use(OpenNamespace& ns, const std::string& storage_name) {
  try {
    auto box = ns.storage->open_mailbox(storage_name);
    if (!box->supports_attributes()) return std::nullopt;
    if (auto a = box->attribute(AttributeType::kPrivate, kSpecialUseAttribute)) return a->value;
  } catch (const Error& e) {
    if (e.exit_code() != kExitNotFound) throw;
  }
  return std::nullopt;
}

bool has_flag(const std::string& flags, const std::string& flag) {
  for (const auto& f : split_ws(flags))
    if (iequals(f, flag)) return true;
  return false;
}

}  // namespace

std::string special_use_of(const Config& config, OpenNamespace& ns,
                           const std::string& storage_name) {
  if (auto stored = stored_special_use(ns, storage_name)) return *stored;
  return configured_special_use(config, ns, storage_name);
}

std::optional<std::string> mailbox_with_special_use(const Config& config, OpenNamespace& ns,
                                                    const std::string& flag) {
  auto boxes = ns.storage->list_mailboxes();
  for (const auto& info : boxes) {
    if (!info.selectable) continue;
    if (auto stored = stored_special_use(ns, info.name); stored && has_flag(*stored, flag))
      return info.name;
  }
  for (const auto& settings : load_namespaces(config)) {
    if (settings.prefix != ns.prefix) continue;
    for (const auto& mb : settings.mailboxes)
      for (const auto& f : mb.special_use)
        if (iequals(f, flag)) return mb.name;
  }
  for (const auto& info : boxes)
    if (has_flag(info.special_use, flag)) return info.name;
  return std::nullopt;
}

}  // namespace roost::cli
