#include "formats/location/var_expander.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

std::string md5_hex(std::string_view s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), digest, &len, EVP_md5(), nullptr);
  return hex_encode(digest, len);
}

// Dovecot's %H: a 32-bit string hash (the classic "hash * 31 + c" style
// variant it uses), printed in hex, optionally modulo the width.
uint32_t str_hash(std::string_view s) {
  uint32_t g, h = 0;
  for (unsigned char c : s) {
    h = (h << 4) + c;
    if ((g = h & 0xf0000000U) != 0) {
      h = h ^ (g >> 24);
      h = h ^ g;
    }
  }
  return h;
}

[[noreturn]] void fail(std::string_view text, const std::string& what) {
  throw Error(kExitConfig, what + " in '" + std::string(text) + "'");
}

}  // namespace

VarExpander VarExpander::for_user(std::string_view user, std::string_view home) {
  VarExpander v;
  size_t at = user.find('@');
  std::string_view local = at == std::string_view::npos ? user : user.substr(0, at);
  std::string_view domain = at == std::string_view::npos ? "" : user.substr(at + 1);
  v.set("user", std::string(user), 'u');
  v.set("username", std::string(local), 'n');
  v.set("domain", std::string(domain), 'd');
  v.set("home", std::string(home), 'h');
  return v;
}

VarExpander& VarExpander::set(std::string long_name, std::string value, char short_name) {
  if (short_name != 0) short_names_[short_name] = long_name;
  values_[std::move(long_name)] = std::move(value);
  return *this;
}

bool VarExpander::has(std::string_view long_name) const { return value(long_name) != nullptr; }

const std::string* VarExpander::value(std::string_view long_name) const {
  auto it = values_.find(long_name);
  return it == values_.end() ? nullptr : &it->second;
}

std::string VarExpander::expand(std::string_view text) const {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    if (i >= text.size()) fail(text, "Lone '%' at the end");
    if (text[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    // %[-][offset.]width  then modifiers, then the variable.
    bool from_end = false;
    if (text[i] == '-') {
      from_end = true;
      ++i;
    }
    size_t offset = 0, width = 0;
    bool have_width = false;
    auto read_number = [&](size_t& n) {
      bool any = false;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        n = n * 10 + static_cast<size_t>(text[i] - '0');
        ++i;
        any = true;
      }
      return any;
    };
    if (read_number(width)) {
      have_width = true;
      if (i < text.size() && text[i] == '.') {
        ++i;
        offset = width;
        width = 0;
        have_width = read_number(width);
      }
    }
    std::string modifiers;
    while (i < text.size() && std::string_view("LUMHRX").find(text[i]) != std::string_view::npos) {
      // "%h" is home, not a hash modifier, when nothing follows it that
      // could be a variable name.
      if (text[i] == 'H' && (i + 1 >= text.size() || (text[i + 1] != '{' &&
                                                       !std::isalpha(static_cast<unsigned char>(text[i + 1]))))) {
        break;
      }
      modifiers += text[i];
      ++i;
    }
    if (i >= text.size()) fail(text, "Incomplete %-variable at the end");
    std::string name;
    if (text[i] == '{') {
      size_t close = text.find('}', i);
      if (close == std::string_view::npos) fail(text, "Missing '}' after %{");
      name = std::string(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      auto it = short_names_.find(text[i]);
      if (it == short_names_.end()) {
        fail(text, "Unknown variable %" + std::string(1, text[i]));
      }
      name = it->second;
      ++i;
    }
    const std::string* v = value(name);
    if (v == nullptr) fail(text, "Unknown variable %{" + name + "}");
    std::string value = *v;
    for (char m : modifiers) {
      switch (m) {
        case 'L': value = to_lower(value); break;
        case 'U': value = to_upper(value); break;
        case 'M': value = md5_hex(value); break;
        case 'R': std::reverse(value.begin(), value.end()); break;
        case 'X': {
          auto n = parse_u64(value);
          if (!n) fail(text, "%X needs a number, got '" + value + "'");
          char buf[32];
          snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(*n));
          value = buf;
          break;
        }
        case 'H': {
          uint32_t h = str_hash(value);
          if (have_width && width > 0) {
            // Dovecot's %NHx: the hash modulo N, with width consumed.
            h %= static_cast<uint32_t>(width);
            have_width = false;
          }
          char buf[16];
          snprintf(buf, sizeof(buf), "%x", h);
          value = buf;
          break;
        }
      }
    }
    if (from_end) {
      size_t w = have_width ? width : value.size();
      size_t start = value.size() > offset + w ? value.size() - offset - w : 0;
      size_t end = value.size() > offset ? value.size() - offset : 0;
      value = value.substr(start, end - start);
    } else {
      value = offset < value.size() ? value.substr(offset) : "";
      if (have_width && width < value.size()) value.resize(width);
    }
    out += value;
  }
  return out;
}

}  // namespace roost
