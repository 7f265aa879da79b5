// Fuzzes the dovecot.conf parser (with an in-memory file system whose every
// include resolves to the same input, bounded by the parser's include depth)
// and the passwd-file parser.
#include <cstdint>
#include <string>

#include "lib/config/config_parser.hpp"
#include "lib/error.hpp"
#include "server/auth/passwd_file.hpp"

namespace {
class MemorySource : public roost::ConfigSource {
 public:
  explicit MemorySource(std::string_view text) : text_(text) {}
  std::optional<std::string> read(const std::string&, std::string&) override {
    return std::string(text_);
  }
  std::vector<std::string> glob(const std::string& pattern) override { return {pattern}; }
  std::optional<std::string> getenv(const std::string&) override { return std::nullopt; }

 private:
  std::string_view text_;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  MemorySource source(in);
  try {
    (void)roost::parse_config(in, "/fuzz/dovecot.conf", source);
  } catch (const roost::Error&) {
  }
  try {
    (void)roost::parse_passwd_file(in);
    (void)roost::parse_passwd_file_args(in);
  } catch (const roost::Error&) {
  }
  return 0;
}
