#include "lib/config/config_parser.hpp"

#include <algorithm>

#include "lib/config/config_defaults.hpp"
#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

constexpr int kMaxIncludeDepth = 20;

bool is_white(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return path.substr(0, slash == 0 ? 1 : slash);
}

std::string relative_to(const std::string& including_file, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  std::string dir = dir_of(including_file);
  if (dir.empty()) return path;
  return dir == "/" ? "/" + path : dir + "/" + path;
}

// Strips a '#' comment that is outside quotes, then trailing whitespace.
std::string strip_comment(std::string_view line) {
  size_t end = line.size();
  for (size_t p = 0; p < line.size(); ++p) {
    char c = line[p];
    if (c == '\'' || c == '"') {
      char quote = c;
      for (++p; p < line.size() && line[p] != quote; ++p) {
        if (line[p] == '\\' && p + 1 < line.size()) ++p;
      }
      if (p >= line.size()) break;
    } else if (c == '#') {
      end = p;
      break;
    }
  }
  std::string_view s = line.substr(0, end);
  while (!s.empty() && is_white(s.back())) s.remove_suffix(1);
  return std::string(s);
}

class Parser {
 public:
  explicit Parser(ConfigSource& source) : source_(source) {}

  Config run(std::string_view text, const std::string& path) {
    ConfigSection root;
    stack_.push_back(&root);
    parse_file(text, path, 0);
    stack_.clear();
    return Config(std::move(root), path);
  }

 private:
  [[noreturn]] void fail(const std::string& file, int line, const std::string& what) {
    throw Error(kExitConfig,
                "Error in configuration file " + file + " line " + std::to_string(line) + ": " +
                    what);
  }

  void parse_file(std::string_view text, const std::string& path, int depth) {
    size_t base_depth = stack_.size();
    std::vector<std::pair<std::string, int>> opened;  // where each section began
    std::string pending;  // a line continued with a trailing backslash
    int pending_line = 0;
    int linenum = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view physical = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++linenum;
      if (nl == text.size() && physical.empty()) break;

      size_t b = 0;
      while (b < physical.size() && is_white(physical[b])) ++b;
      physical.remove_prefix(b);
      if (pending.empty() && (physical.empty() || physical[0] == '#')) continue;
      std::string line = strip_comment(physical);
      if (!line.empty() && line.back() == '\\') {
        line.pop_back();
        while (!line.empty() && is_white(line.back())) line.pop_back();
        if (pending.empty()) pending_line = linenum;
        if (!line.empty()) pending += line + " ";
        continue;
      }
      int line_of_statement = linenum;
      if (!pending.empty()) {
        line = pending + line;
        pending.clear();
        line_of_statement = pending_line;
      }
      if (line.empty()) continue;
      parse_statement(line, path, line_of_statement, depth, opened);
    }
    if (stack_.size() > base_depth) {
      const auto& [file, line] = opened.back();
      throw Error(kExitConfig, "Error in configuration file " + path +
                                   ": Missing '}' (section started at " + file + ":" +
                                   std::to_string(line) + ")");
    }
  }

  void parse_statement(const std::string& line, const std::string& path, int linenum,
                       int depth, std::vector<std::pair<std::string, int>>& opened) {
    size_t p = 0;
    while (p < line.size() && !is_white(line[p]) && line[p] != '=') ++p;
    std::string key = line.substr(0, p);
    while (p < line.size() && is_white(line[p])) ++p;
    std::string_view rest = std::string_view(line).substr(p);

    if (key == "!include" || key == "!include_try") {
      include(std::string(rest), key == "!include_try", path, linenum, depth);
      return;
    }
    if (!rest.empty() && rest[0] == '=') {
      if (key.empty()) fail(path, linenum, "Missing setting name before '='");
      rest.remove_prefix(1);
      assign(key, trim(rest), path, linenum);
      return;
    }
    if (key == "}" && rest.empty()) {
      if (opened.empty()) fail(path, linenum, "Unexpected '}'");
      opened.pop_back();
      stack_.pop_back();
      return;
    }
    // type [name] {
    std::string name;
    if (!rest.empty() && rest[0] != '{') {
      if (rest[0] == '"') {
        size_t close = 1;
        while (close < rest.size() && rest[close] != '"') {
          if (rest[close] == '\\' && close + 1 < rest.size()) ++close;
          ++close;
        }
        if (close >= rest.size()) fail(path, linenum, "Missing closing '\"' in section name");
        name = unescape(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
      } else {
        size_t e = 0;
        while (e < rest.size() && !is_white(rest[e])) ++e;
        name = std::string(rest.substr(0, e));
        rest.remove_prefix(e);
      }
      rest = trim(rest);
    }
    if (rest.empty() || rest[0] != '{') {
      fail(path, linenum,
           rest.empty() && name.empty() ? "Expecting '=' or '{' after '" + key + "'"
                                        : "Expecting '{'");
    }
    if (rest.size() > 1) fail(path, linenum, "Garbage after '{'");
    if (key.empty() || key == "}") fail(path, linenum, "Missing section type before '{'");
    ConfigSection* parent = stack_.back();
    ConfigSection* target = name.empty() ? nullptr : parent->section(key, name);
    if (target == nullptr) {
      ConfigSection sec;
      sec.type = key;
      sec.name = name;
      sec.file = path;
      sec.line = linenum;
      parent->children.push_back(std::move(sec));
      target = &parent->children.back();
    }
    stack_.push_back(target);
    opened.emplace_back(path, linenum);
  }

  void include(std::string pattern, bool try_only, const std::string& path, int linenum,
               int depth) {
    pattern = std::string(trim(pattern));
    if (pattern.size() >= 2 && (pattern[0] == '"' || pattern[0] == '\'') &&
        pattern.back() == pattern[0]) {
      pattern = unescape(std::string_view(pattern).substr(1, pattern.size() - 2));
    }
    if (pattern.empty()) fail(path, linenum, "!include needs a file name");
    if (depth >= kMaxIncludeDepth) {
      fail(path, linenum, "Too deeply nested !include (recursive include of " + pattern + "?)");
    }
    std::string full = relative_to(path, pattern);
    std::vector<std::string> files;
    if (full.find_first_of("*?[") != std::string::npos) {
      files = source_.glob(full);
      if (files.empty()) {
        if (try_only) return;
        fail(path, linenum, "No matches for !include " + full);
      }
    } else {
      files.push_back(full);
    }
    for (const std::string& f : files) {
      if (std::find(include_chain_.begin(), include_chain_.end(), f) != include_chain_.end()) {
        fail(path, linenum, "Recursive include file: " + f);
      }
      std::string error;
      std::optional<std::string> text = source_.read(f, error);
      if (!text) {
        if (try_only) continue;
        fail(path, linenum, "Couldn't open include file " + f + ": " + error);
      }
      include_chain_.push_back(f);
      parse_file(*text, f, depth + 1);
      include_chain_.pop_back();
    }
  }

  // The value `$name` refers to: this section's, else an enclosing one's,
  // else Roost's default; nullopt when unknown everywhere.
  std::optional<std::string> lookup_variable(const std::string& name) {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (const ConfigSetting* s = (*it)->find(name)) return s->value;
    }
    if (auto d = global_config_default(name)) return std::string(*d);
    return std::nullopt;
  }

  std::string expand_variables(std::string_view value, const std::string& path, int linenum) {
    // Only `$name` tokens at the start of a space-separated word are
    // variables; "a$b" and quoted values are literal.
    std::string out;
    size_t i = 0;
    while (i < value.size()) {
      size_t end = i;
      while (end < value.size() && !is_white(value[end])) ++end;
      std::string_view word = value.substr(i, end - i);
      if (word.size() > 1 && word[0] == '$') {
        std::string name(word.substr(1));
        if (name.rfind("ENV:", 0) == 0) {
          out += source_.getenv(name.substr(4)).value_or("");
        } else {
          auto v = lookup_variable(name);
          if (!v) fail(path, linenum, "Unknown variable: $" + name);
          out += *v;
        }
      } else {
        out += word;
      }
      i = end;
      while (i < value.size() && is_white(value[i])) ++i;
      if (i < value.size()) out += ' ';
    }
    // Like Dovecot, "$protocols imap" with an empty $protocols keeps the
    // leading space (doveconf then prints the value quoted).
    return out;
  }

  void assign(const std::string& key, std::string_view value, const std::string& path,
              int linenum) {
    ConfigSetting s;
    s.key = key;
    s.file = path;
    s.line = linenum;
    if (!value.empty() && value[0] == '<') {
      std::string file = std::string(trim(value.substr(1)));
      s.raw = "<" + file;
      std::string error;
      std::optional<std::string> text = source_.read(relative_to(path, file), error);
      if (text) {
        s.value = std::move(*text);
      } else {
        s.file_error = "cannot read " + relative_to(path, file) + ": " + error;
      }
    } else if (!value.empty() && value[0] != '"' && value[0] != '\'' &&
               value.find('$') != std::string_view::npos) {
      s.value = expand_variables(value, path, linenum);
      s.raw = s.value;
    } else {
      if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') &&
          value.back() == value[0]) {
        s.value = unescape(value.substr(1, value.size() - 2));
      } else {
        s.value = std::string(value);
      }
      s.raw = s.value;
    }
    stack_.back()->set(s);
  }

  ConfigSource& source_;
  std::vector<ConfigSection*> stack_;
  std::vector<std::string> include_chain_;
};

}  // namespace

Config parse_config(std::string_view text, const std::string& path, ConfigSource& source) {
  Parser parser(source);
  return parser.run(text, path);
}

}  // namespace roost
