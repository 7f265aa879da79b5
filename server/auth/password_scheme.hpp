#pragma once
// Password schemes as Dovecot writes them: "{SCHEME}data" (D80, A51).
// Supported: PLAIN, CLEAR, CLEARTEXT, CRYPT (bcrypt when generating),
// MD5-CRYPT (alias MD5), SHA256-CRYPT, SHA512-CRYPT, BLF-CRYPT, DES-CRYPT,
// SHA/SHA1, SSHA, SHA256, SSHA256, SHA512, SSHA512, PLAIN-MD5, LDAP-MD5, SMD5,
// ARGON2I, ARGON2ID, with ".HEX" / ".B64" encoding suffixes for the digests.
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// Splits "{SCHEME}data" into an upper-cased scheme and data. A hash without a
// "{...}" prefix uses `default_scheme` (passwd-file's scheme=, CRYPT unless set).
struct StoredPassword {
  std::string scheme;
  std::string data;
};
StoredPassword split_stored_password(std::string_view stored,
                                     std::string_view default_scheme = "CRYPT");

// True when `plaintext` matches `stored`. An unknown scheme or malformed hash
// is a kExitConfig error naming the scheme (Dovecot logs it and fails the login).
bool verify_password(std::string_view stored, std::string_view plaintext,
                     std::string_view default_scheme = "CRYPT");

// `doveadm pw -s <scheme>` output: "{SCHEME}<hash>" with a fresh random salt.
// `rounds` (0 = the scheme's default) applies to the *-CRYPT schemes.
// An unknown scheme is a kExitUsage error listing the supported ones.
std::string generate_password(std::string_view scheme, std::string_view plaintext,
                              unsigned rounds = 0);

// The schemes generate_password accepts (for `pw -l`).
std::vector<std::string> supported_password_schemes();

}  // namespace roost
