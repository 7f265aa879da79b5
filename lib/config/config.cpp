#include "lib/config/config.hpp"

#include <algorithm>
#include <cctype>

#include "lib/config/config_defaults.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

const ConfigSetting* ConfigSection::find(std::string_view key) const {
  for (const auto& s : settings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::string ConfigSection::get(std::string_view key, std::string_view fallback) const {
  const ConfigSetting* s = find(key);
  if (s == nullptr) return std::string(fallback);
  if (!s->file_error.empty()) {
    throw Error(kExitConfig, s->file + ":" + std::to_string(s->line) + ": " + s->key + " = " +
                                 s->raw + ": " + s->file_error);
  }
  return s->value;
}

void ConfigSection::set(const ConfigSetting& setting) {
  for (auto& s : settings) {
    if (s.key == setting.key) {
      s = setting;
      return;
    }
  }
  settings.push_back(setting);
}

std::vector<const ConfigSection*> ConfigSection::sections(std::string_view t) const {
  std::vector<const ConfigSection*> out;
  for (const auto& c : children) {
    if (c.type == t) out.push_back(&c);
  }
  return out;
}

const ConfigSection* ConfigSection::section(std::string_view t, std::string_view n) const {
  for (const auto& c : children) {
    if (c.type == t && c.name == n) return &c;
  }
  return nullptr;
}

ConfigSection* ConfigSection::section(std::string_view t, std::string_view n) {
  for (auto& c : children) {
    if (c.type == t && c.name == n) return &c;
  }
  return nullptr;
}

std::string ConfigSection::label() const { return name.empty() ? type : type + " " + name; }

std::string Config::get(std::string_view key) const {
  if (const ConfigSetting* s = root_.find(key)) {
    (void)s;
    return root_.get(key);
  }
  if (auto d = global_config_default(key)) return std::string(*d);
  return "";
}

std::optional<std::string> Config::get_set(std::string_view key) const {
  if (!root_.has(key)) return std::nullopt;
  return root_.get(key);
}

bool Config::get_bool(std::string_view key) const {
  std::string v = to_lower(get(key));
  if (v == "yes" || v == "y" || v == "1") return true;
  if (v == "no" || v == "n" || v == "0" || v.empty()) return false;
  throw Error(kExitConfig, "Invalid boolean value for " + std::string(key) + ": '" + v +
                               "' (use yes or no)");
}

uint64_t Config::get_uint(std::string_view key) const {
  std::string v(trim(get(key)));
  if (v.empty()) return 0;
  auto n = parse_u64(v);
  if (!n) {
    throw Error(kExitConfig,
                "Invalid number for " + std::string(key) + ": '" + v + "'");
  }
  return *n;
}

uint64_t Config::get_size(std::string_view key) const {
  std::string v(trim(get(key)));
  if (v.empty()) return 0;
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  auto n = parse_u64(std::string_view(v).substr(0, digits));
  std::string unit = to_lower(trim(std::string_view(v).substr(digits)));
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb") mult = 1024ULL;
  else if (unit == "m" || unit == "mb") mult = 1024ULL * 1024;
  else if (unit == "g" || unit == "gb") mult = 1024ULL * 1024 * 1024;
  else if (unit == "t" || unit == "tb") mult = 1024ULL * 1024 * 1024 * 1024;
  if (!n || mult == 0) {
    throw Error(kExitConfig, "Invalid size for " + std::string(key) + ": '" + v +
                                 "' (use a number with an optional k, M, G or T suffix)");
  }
  return *n * mult;
}

void Config::apply_overrides(const std::vector<std::string>& overrides) {
  for (const std::string& o : overrides) {
    size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(kExitUsage, "-o " + o + ": expected key=value");
    }
    std::string path(trim(std::string_view(o).substr(0, eq)));
    std::string value(trim(std::string_view(o).substr(eq + 1)));
    std::vector<std::string> parts = split(path, '/');
    ConfigSection* sec = &root_;
    size_t i = 0;
    while (parts.size() - i > 1) {
      std::string type = parts[i];
      std::string name;
      if (parts.size() - i >= 3) {
        name = parts[i + 1];
        i += 2;
      } else {
        i += 1;
      }
      ConfigSection* child = sec->section(type, name);
      if (child == nullptr) {
        ConfigSection created;
        created.type = type;
        created.name = name;
        sec->children.push_back(std::move(created));
        child = &sec->children.back();
      }
      sec = child;
    }
    ConfigSetting s;
    s.key = parts[i];
    s.value = value;
    s.raw = value;
    if (s.key.empty()) throw Error(kExitUsage, "-o " + o + ": empty setting name");
    sec->set(s);
  }
}

namespace {

void collect_unused(const ConfigSection& sec, const std::string& prefix,
                    std::vector<std::string>& out) {
  for (const auto& s : sec.settings) {
    bool used = sec.type.empty() ? global_config_default(s.key).has_value()
                                 : section_key_is_used(sec.type, s.key);
    if (!used) out.push_back(prefix + s.key);
  }
  for (const auto& c : sec.children) {
    if (section_type_is_used(c.type)) {
      collect_unused(c, prefix + c.type + (c.name.empty() ? "" : "/" + c.name) + "/", out);
    } else {
      out.push_back(prefix + c.label());
    }
  }
}

}  // namespace

std::vector<std::string> Config::unused_settings() const {
  std::vector<std::string> out;
  collect_unused(root_, "", out);
  return out;
}

}  // namespace roost
