#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/error.hpp"

namespace roost::dsync {

// Strings of one mailbox's exchange (GUIDs) kept back to back in one
// buffer: a reference is 8 bytes, no allocation per string.
class StringArena {
 public:
  struct Ref {
    uint32_t off = 0;
    uint32_t len = 0;
  };
  Ref add(std::string_view s) {
    if (buf_.size() + s.size() > UINT32_MAX)
      throw Error(kExitSoftware, "dsync: a mailbox's GUIDs exceed 4 GiB");
    Ref r{static_cast<uint32_t>(buf_.size()), static_cast<uint32_t>(s.size())};
    buf_.append(s);
    return r;
  }
  std::string_view view(Ref r) const { return std::string_view(buf_).substr(r.off, r.len); }
  void reserve(size_t bytes) { buf_.reserve(bytes); }

 private:
  std::string buf_;
};

}  // namespace roost::dsync
