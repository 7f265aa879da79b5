#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// XXH3-128 of a message as IMAP serves it: every CRLF counts as LF, so a
// copy whose writer converted line endings (Dovecot saves with LF unless
// mail_save_crlf=yes; mbox never keeps CR) hashes the same as the original,
// while any other changed byte changes the hash. A lone CR is kept.
struct BodyHash {
  uint64_t high = 0;
  uint64_t low = 0;
  bool operator==(const BodyHash&) const = default;
  std::string hex() const;  // 32 hex digits
};

// Incremental form, for bytes that arrive in pieces (a CR at the end of one
// piece and an LF at the start of the next is still one line ending).
class BodyHasher {
 public:
  BodyHasher();
  ~BodyHasher();
  BodyHasher(const BodyHasher&) = delete;
  BodyHasher& operator=(const BodyHasher&) = delete;
  void update(std::string_view bytes);
  BodyHash finish();
  uint64_t bytes_seen() const { return seen_; }

 private:
  void* state_;  // XXH3_state_t, kept out of this header
  bool pending_cr_ = false;
  uint64_t seen_ = 0;
};

// Reads `in` to its end through `buffer` (the whole message is never
// held; callers hashing many messages reuse one buffer). `bytes_read` (may
// be null) gets the raw size.
BodyHash hash_message(std::istream& in, std::vector<char>& buffer, uint64_t* bytes_read = nullptr);
BodyHash hash_message(std::istream& in, uint64_t* bytes_read = nullptr,
                      size_t buffer_size = 1 << 20);
BodyHash hash_message_bytes(std::string_view bytes);

}  // namespace roost
