#include "server/auth/password_scheme.hpp"

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

#include "lib/error.hpp"
#include "lib/strutil.hpp"

namespace roost {

namespace {

constexpr size_t kDigestSaltLen = 4;  // Dovecot's salt length for SSHA*/SMD5

std::vector<uint8_t> random_bytes(size_t n) {
  std::vector<uint8_t> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw Error(kExitSoftware, "Cannot get random bytes for a password salt");
  }
  return out;
}

std::string base64_encode(const std::vector<uint8_t>& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view s) {
  std::string in(trim(s));
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::vector<uint8_t> out(in.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::vector<uint8_t> digest(const EVP_MD* md, std::string_view a, const std::vector<uint8_t>& b = {}) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      (!b.empty() && EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1) ||
      EVP_DigestFinal_ex(ctx.get(), out, &len) != 1) {
    throw Error(kExitSoftware, "OpenSSL digest failed");
  }
  return std::vector<uint8_t>(out, out + len);
}

struct DigestScheme {
  const char* name;
  const EVP_MD* (*md)();
  bool salted;
  bool hex_default;  // PLAIN-MD5 is written in hex, the others in base64
};

const DigestScheme kDigestSchemes[] = {
    {"SHA", EVP_sha1, false, false},        {"SHA1", EVP_sha1, false, false},
    {"SSHA", EVP_sha1, true, false},        {"SHA256", EVP_sha256, false, false},
    {"SSHA256", EVP_sha256, true, false},   {"SHA512", EVP_sha512, false, false},
    {"SSHA512", EVP_sha512, true, false},   {"PLAIN-MD5", EVP_md5, false, true},
    {"LDAP-MD5", EVP_md5, false, false},    {"SMD5", EVP_md5, true, false},
};

const DigestScheme* find_digest_scheme(std::string_view name) {
  for (const auto& s : kDigestSchemes) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

// "SHA256.HEX" -> ("SHA256", "HEX"); "SHA256" -> ("SHA256", "").
std::pair<std::string, std::string> split_encoding(const std::string& scheme) {
  size_t dot = scheme.rfind('.');
  if (dot == std::string::npos) return {scheme, ""};
  return {scheme.substr(0, dot), scheme.substr(dot + 1)};
}

bool crypt_matches(std::string_view hash, std::string_view plaintext) {
  if (hash.empty()) return false;
  crypt_data data{};
  const char* out = crypt_r(std::string(plaintext).c_str(), std::string(hash).c_str(), &data);
  if (out == nullptr || out[0] == '*') return false;
  return std::string_view(out) == hash;
}

std::string crypt_generate(const char* prefix, unsigned long rounds, std::string_view plaintext) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  std::vector<uint8_t> rnd = random_bytes(16);
  if (crypt_gensalt_rn(prefix, rounds, reinterpret_cast<const char*>(rnd.data()),
                       static_cast<int>(rnd.size()), setting, sizeof(setting)) == nullptr) {
    throw Error(kExitUsage, std::string("Cannot make a salt for ") + prefix +
                                (rounds ? " with " + std::to_string(rounds) + " rounds" : ""));
  }
  crypt_data data{};
  const char* out = crypt_r(std::string(plaintext).c_str(), setting, &data);
  if (out == nullptr || out[0] == '*') throw Error(kExitSoftware, "crypt() failed");
  return out;
}

bool bytes_equal(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The stored digest bytes: hex when explicitly .HEX or when the length says
// so (Dovecot accepts both for the digest schemes), else base64.
std::optional<std::vector<uint8_t>> decode_digest(std::string_view data, const std::string& encoding,
                                                  size_t digest_len, bool salted) {
  if (encoding == "HEX" || (!salted && data.size() == digest_len * 2)) {
    return hex_decode(data);
  }
  return base64_decode(data);
}

}  // namespace

StoredPassword split_stored_password(std::string_view stored, std::string_view default_scheme) {
  StoredPassword out;
  if (!stored.empty() && stored[0] == '{') {
    size_t close = stored.find('}');
    if (close != std::string_view::npos) {
      out.scheme = to_upper(stored.substr(1, close - 1));
      out.data = std::string(stored.substr(close + 1));
      return out;
    }
  }
  out.scheme = to_upper(default_scheme);
  out.data = std::string(stored);
  return out;
}

bool verify_password(std::string_view stored, std::string_view plaintext,
                     std::string_view default_scheme) {
  StoredPassword sp = split_stored_password(stored, default_scheme);
  auto [base, encoding] = split_encoding(sp.scheme);
  if (base == "PLAIN" || base == "CLEAR" || base == "CLEARTEXT") {
    return sp.data.size() == plaintext.size() &&
           CRYPTO_memcmp(sp.data.data(), plaintext.data(), plaintext.size()) == 0;
  }
  if (base == "CRYPT" || base == "MD5-CRYPT" || base == "MD5" || base == "SHA256-CRYPT" ||
      base == "SHA512-CRYPT" || base == "BLF-CRYPT" || base == "DES-CRYPT") {
    return crypt_matches(sp.data, plaintext);
  }
  if (base == "ARGON2I" || base == "ARGON2ID") {
    argon2_type type = base == "ARGON2I" ? Argon2_i : Argon2_id;
    return argon2_verify(sp.data.c_str(), plaintext.data(), plaintext.size(), type) == ARGON2_OK;
  }
  if (const DigestScheme* ds = find_digest_scheme(base)) {
    size_t len = static_cast<size_t>(EVP_MD_size(ds->md()));
    auto decoded = decode_digest(sp.data, encoding, len, ds->salted);
    if (!decoded || decoded->size() < len || (!ds->salted && decoded->size() != len)) {
      throw Error(kExitConfig, "Invalid {" + sp.scheme + "} password hash (wrong length or encoding)");
    }
    std::vector<uint8_t> salt(decoded->begin() + static_cast<long>(len), decoded->end());
    std::vector<uint8_t> want(decoded->begin(), decoded->begin() + static_cast<long>(len));
    return bytes_equal(digest(ds->md(), plaintext, salt), want);
  }
  throw Error(kExitConfig, "Unknown password scheme {" + sp.scheme + "}");
}

std::string generate_password(std::string_view scheme_in, std::string_view plaintext,
                              unsigned rounds) {
  std::string scheme = to_upper(scheme_in);
  auto [base, encoding] = split_encoding(scheme);
  std::string prefix = "{" + scheme + "}";
  if (base == "PLAIN" || base == "CLEAR" || base == "CLEARTEXT") {
    return prefix + std::string(plaintext);
  }
  if (base == "CRYPT" || base == "BLF-CRYPT") return prefix + crypt_generate("$2y$", rounds ? rounds : 5, plaintext);
  if (base == "MD5-CRYPT" || base == "MD5") return prefix + crypt_generate("$1$", 0, plaintext);
  if (base == "SHA256-CRYPT") return prefix + crypt_generate("$5$", rounds, plaintext);
  if (base == "SHA512-CRYPT") return prefix + crypt_generate("$6$", rounds, plaintext);
  if (base == "ARGON2I" || base == "ARGON2ID") {
    bool id = base == "ARGON2ID";
    // Dovecot 2.3's parameters: argon2i t=4 m=32 MiB, argon2id t=3 m=64 MiB.
    uint32_t t = rounds ? rounds : (id ? 3 : 4);
    uint32_t m = id ? 65536 : 32768;
    std::vector<uint8_t> salt = random_bytes(16);
    argon2_type type = id ? Argon2_id : Argon2_i;
    size_t len = argon2_encodedlen(t, m, 1, static_cast<uint32_t>(salt.size()), 32, type);
    std::string encoded(len, '\0');
    int rc = argon2_hash(t, m, 1, plaintext.data(), plaintext.size(), salt.data(), salt.size(),
                         nullptr, 32, encoded.data(), len, type, ARGON2_VERSION_13);
    if (rc != ARGON2_OK) throw Error(kExitSoftware, std::string("argon2: ") + argon2_error_message(rc));
    encoded.resize(std::strlen(encoded.c_str()));
    return prefix + encoded;
  }
  if (const DigestScheme* ds = find_digest_scheme(base)) {
    std::vector<uint8_t> salt = ds->salted ? random_bytes(kDigestSaltLen) : std::vector<uint8_t>{};
    std::vector<uint8_t> out = digest(ds->md(), plaintext, salt);
    out.insert(out.end(), salt.begin(), salt.end());
    bool hex = encoding == "HEX" || (encoding.empty() && ds->hex_default);
    if (!encoding.empty() && encoding != "HEX" && encoding != "B64" && encoding != "BASE64") {
      throw Error(kExitUsage, "Unknown encoding ." + encoding + " (use .HEX or .B64)");
    }
    return prefix + (hex ? hex_encode(out.data(), out.size()) : base64_encode(out));
  }
  throw Error(kExitUsage, "Unknown scheme: " + std::string(scheme_in) + " (supported: " +
                              join(supported_password_schemes(), " ") + ")");
}

std::vector<std::string> supported_password_schemes() {
  return {"ARGON2I",  "ARGON2ID", "BLF-CRYPT", "CLEAR",   "CLEARTEXT", "CRYPT",
          "LDAP-MD5", "MD5",      "MD5-CRYPT", "PLAIN",   "PLAIN-MD5", "SHA",
          "SHA1",     "SHA256",   "SHA256-CRYPT", "SHA512", "SHA512-CRYPT", "SMD5",
          "SSHA",     "SSHA256",  "SSHA512"};
}

}  // namespace roost
