#include "lib/config/config_printer.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "lib/config/config_defaults.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

constexpr std::string_view kHiddenValue = "# hidden, use -P to show it";
constexpr std::string_view kHiddenToken = "#hidden_use-P_to_show#";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_filter_type(std::string_view type) {
  return type == "protocol" || type == "local" || type == "remote";
}

bool key_is_secret(std::string_view key) {
  return ends_with(key, "_password") || ends_with(key, "_key") || ends_with(key, "_nonce") ||
         key.rfind("ssl_dh", 0) == 0;
}

bool token_name_is_secret(std::string_view name) {
  std::string n = to_lower(name);
  return n == "pass" || n == "password" || n == "secret" || ends_with(n, "_password") ||
         ends_with(n, "_secret") || ends_with(n, "api_key");
}

bool needs_quote(std::string_view v) {
  if (v.empty()) return false;
  auto white = [](char c) { return c == ' ' || c == '\t'; };
  return v.find('#') != std::string_view::npos || white(v.front()) || white(v.back());
}

std::string escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out;
}

// Hides "password=..." style tokens inside a value (args, connect strings).
std::string hide_secret_tokens(std::string_view value) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    size_t end = value.find(' ', i);
    if (end == std::string_view::npos) end = value.size();
    std::string_view word = value.substr(i, end - i);
    size_t eq = word.find('=');
    if (eq != std::string_view::npos && token_name_is_secret(word.substr(0, eq))) {
      out += std::string(word.substr(0, eq + 1)) + std::string(kHiddenToken);
    } else {
      out += word;
    }
    if (end < value.size()) out += ' ';
    i = end + 1;
  }
  return out;
}

// "10M" and "10 M" are the same size; doveconf compares parsed values.
bool same_value(std::string_view a, std::string_view b) {
  if (a == b) return true;
  auto squeeze = [](std::string_view v) {
    std::string out;
    for (char c : v) {
      if (c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
  };
  bool numeric = !a.empty() && !b.empty() && std::isdigit(static_cast<unsigned char>(a[0])) &&
                 std::isdigit(static_cast<unsigned char>(b[0]));
  return numeric && squeeze(a) == squeeze(b);
}

std::string section_label(const ConfigSection& sec) {
  if (sec.name.empty()) return sec.type;
  if (sec.name.find_first_of(" \t\"") != std::string::npos) {
    return sec.type + " \"" + escape(sec.name) + "\"";
  }
  return sec.type + " " + sec.name;
}

struct Printer {
  const ConfigPrintOptions& options;
  std::string out;

  void line(int indent, const std::string& text) {
    out.append(static_cast<size_t>(indent) * 2, ' ');
    out += text;
    out += '\n';
  }

  // The settings of `sec` to print, sorted, as key -> value.
  std::map<std::string, std::string> settings_to_print(const ConfigSection& sec) const {
    std::map<std::string, std::string> items;
    const std::vector<ConfigDefault>& defaults =
        sec.type.empty() ? global_config_defaults() : section_config_defaults(sec.type);
    if (options.all) {
      for (const auto& d : defaults) items[std::string(d.key)] = std::string(d.value);
    }
    for (const auto& s : sec.settings) {
      std::optional<std::string_view> def;
      for (const auto& d : defaults) {
        if (d.key == s.key) def = d.value;
      }
      if (!options.all && def && same_value(*def, s.raw)) continue;
      items[s.key] = s.raw;
    }
    // doveconf always shows where a namespace's mail lives and its prefix.
    if (sec.type == "namespace") {
      items.try_emplace("location", "");
      items.try_emplace("prefix", "");
    }
    return items;
  }

  // Returns the text of a section, or "" when nothing in it would print.
  std::string section_text(const ConfigSection& sec, int indent) const {
    Printer inner{options, ""};
    inner.body(sec, indent + 1);
    if (inner.out.empty()) return "";
    std::string head(static_cast<size_t>(indent) * 2, ' ');
    head += section_label(sec) + " {\n";
    return head + inner.out + std::string(static_cast<size_t>(indent) * 2, ' ') + "}\n";
  }

  void body(const ConfigSection& sec, int indent) {
    // Settings and non-filter sections interleave, sorted by name; sections
    // of one type keep their file order (stable sort).
    struct Item {
      std::string sort_key;
      std::string text;
    };
    std::vector<Item> items;
    for (const auto& [key, value] : settings_to_print(sec)) {
      std::string text(static_cast<size_t>(indent) * 2, ' ');
      text += key + " = " + format_config_setting_value(key, value, options.show_secrets) + "\n";
      items.push_back({key, std::move(text)});
    }
    for (const auto& child : sec.children) {
      if (is_filter_type(child.type)) continue;
      std::string text = section_text(child, indent);
      if (!text.empty()) items.push_back({child.type + '\0' + child.name, std::move(text)});
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.sort_key < b.sort_key; });
    for (const auto& item : items) out += item.text;
    for (const auto& child : sec.children) {
      if (is_filter_type(child.type)) out += section_text(child, indent);
    }
  }
};

const ConfigSection* find_section_path(const ConfigSection& root,
                                       const std::vector<std::string>& parts, size_t count) {
  const ConfigSection* sec = &root;
  size_t i = 0;
  while (i < count) {
    const std::string& type = parts[i];
    const ConfigSection* next = nullptr;
    if (i + 1 < count) next = sec->section(type, parts[i + 1]);
    if (next != nullptr) {
      i += 2;
    } else {
      next = sec->section(type, "");
      i += 1;
    }
    if (next == nullptr) return nullptr;
    sec = next;
  }
  return sec;
}

}  // namespace

std::string format_config_setting_value(std::string_view key, std::string_view value,
                                        bool show_secrets) {
  if (!show_secrets && !value.empty()) {
    if (key_is_secret(key)) return std::string(kHiddenValue);
    std::string hidden = hide_secret_tokens(value);
    if (hidden != value) return hidden;
  }
  if (needs_quote(value)) return "\"" + escape(value) + "\"";
  return std::string(value);
}

std::string format_config(const Config& config, const ConfigPrintOptions& options) {
  Printer printer{options, ""};
  printer.out = "# roost " + options.version + ": " + config.path() + "\n";
  if (!options.os_line.empty()) printer.out += "# OS: " + options.os_line + "\n";
  printer.body(config.root(), 0);
  return printer.out;
}

std::optional<std::string> format_config_value(const Config& config, std::string_view path,
                                               bool value_only,
                                               const ConfigPrintOptions& options) {
  std::vector<std::string> parts = split(path, '/');
  if (parts.empty() || parts.back().empty()) return std::nullopt;
  // A whole section?
  if (const ConfigSection* sec = find_section_path(config.root(), parts, parts.size());
      sec != nullptr && sec != &config.root()) {
    ConfigPrintOptions all = options;
    all.all = true;
    Printer printer{all, ""};
    return printer.section_text(*sec, 0);
  }
  const ConfigSection* sec = find_section_path(config.root(), parts, parts.size() - 1);
  if (sec == nullptr) return std::nullopt;
  const std::string& key = parts.back();
  std::optional<std::string> value;
  if (const ConfigSetting* s = sec->find(key)) {
    value = s->raw;
  } else if (sec == &config.root()) {
    if (auto d = global_config_default(key)) value = std::string(*d);
  } else if (auto d = section_config_default(sec->type, key)) {
    value = std::string(*d);
  }
  if (!value) return std::nullopt;
  if (value_only) return *value;
  return std::string(path) + " = " +
         format_config_setting_value(key, *value, options.show_secrets);
}

}  // namespace roost
