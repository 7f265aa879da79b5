#include "formats/mime/header_key.hpp"

#include <openssl/evp.h>

#include "formats/mime/header.hpp"
#include "lib/strutil.hpp"

namespace roost {

std::string header_hash_v3(std::string_view data) {
  std::string norm;
  bool in_bad = false;
  for (unsigned char c : data) {
    if ((c < 0x20 && c != '\n') || c >= 0x7f || c == '?') {
      if (!in_bad) norm += '?';
      in_bad = true;
      continue;
    }
    in_bad = false;
    if (c == ' ') continue;
    norm += static_cast<char>(c);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(norm.data(), norm.size(), md, &len, EVP_md5(), nullptr);
  return hex_encode(md, len);
}

std::string mail_header_key(std::string_view header) {
  HeaderBlock hb = parse_header_block(header);
  std::string subset;
  for (const char* name : {"Date", "Message-ID", "From", "Subject"})
    if (auto v = hb.first(name)) subset += std::string(name) + ": " + std::string(trim(*v)) + "\n";
  return header_hash_v3(subset + "\n");
}

}  // namespace roost
