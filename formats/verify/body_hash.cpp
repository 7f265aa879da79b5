#include "formats/verify/body_hash.hpp"

#include <xxhash.h>

#include <cstring>
#include <new>

#include "lib/error.hpp"

namespace roost {

namespace {
XXH3_state_t* state_of(void* p) {
  return static_cast<XXH3_state_t*>(p);
}
}  // namespace

std::string BodyHash::hex() const {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (uint64_t word : {high, low})
    for (int shift = 60; shift >= 0; shift -= 4) out += digits[(word >> shift) & 0xf];
  return out;
}

BodyHasher::BodyHasher() : state_(XXH3_createState()) {
  if (!state_) throw std::bad_alloc();
  XXH3_128bits_reset(state_of(state_));
}

BodyHasher::~BodyHasher() {
  XXH3_freeState(state_of(state_));
}

void BodyHasher::update(std::string_view bytes) {
  seen_ += bytes.size();
  auto* st = state_of(state_);
  size_t start = 0;
  if (pending_cr_) {
    pending_cr_ = false;
    // The CR held back from the previous piece stays unless LF follows.
    if (bytes.empty() || bytes[0] != '\n') XXH3_128bits_update(st, "\r", 1);
  }
  // Feed runs between CRs; a CR is dropped only when an LF follows it.
  while (start < bytes.size()) {
    const void* cr = std::memchr(bytes.data() + start, '\r', bytes.size() - start);
    if (!cr) {
      XXH3_128bits_update(st, bytes.data() + start, bytes.size() - start);
      break;
    }
    size_t at = static_cast<size_t>(static_cast<const char*>(cr) - bytes.data());
    XXH3_128bits_update(st, bytes.data() + start, at - start);
    if (at + 1 == bytes.size()) {
      pending_cr_ = true;
    } else if (bytes[at + 1] != '\n') {
      XXH3_128bits_update(st, "\r", 1);
    }
    start = at + 1;
  }
}

BodyHash BodyHasher::finish() {
  auto* st = state_of(state_);
  if (pending_cr_) {
    XXH3_128bits_update(st, "\r", 1);
    pending_cr_ = false;
  }
  XXH128_hash_t h = XXH3_128bits_digest(st);
  return BodyHash{h.high64, h.low64};
}

BodyHash hash_message(std::istream& in, uint64_t* bytes_read, size_t buffer_size) {
  std::vector<char> buf(buffer_size ? buffer_size : 65536);
  return hash_message(in, buf, bytes_read);
}

BodyHash hash_message(std::istream& in, std::vector<char>& buf, uint64_t* bytes_read) {
  if (buf.empty()) buf.resize(65536);
  BodyHasher hasher;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    hasher.update(std::string_view(buf.data(), static_cast<size_t>(got)));
  }
  if (in.bad()) throw Error(kExitIoErr, "read error while hashing a message");
  if (bytes_read) *bytes_read = hasher.bytes_seen();
  return hasher.finish();
}

BodyHash hash_message_bytes(std::string_view bytes) {
  BodyHasher hasher;
  hasher.update(bytes);
  return hasher.finish();
}

}  // namespace roost
