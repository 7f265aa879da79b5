#include "dsync/dsync_compact_key.hpp"

#include <openssl/sha.h>

#include <algorithm>

namespace roost::dsync {

MailKey mail_key(std::string_view s) {
  MailKey k;
  if (s.empty()) return k;
  if (auto g = Guid128::parse(s)) return *g;
  unsigned char sum[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), sum);
  std::copy(sum + SHA_DIGEST_LENGTH - k.bytes.size(), sum + SHA_DIGEST_LENGTH, k.bytes.begin());
  return k;
}

}  // namespace roost::dsync
