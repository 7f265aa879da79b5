#pragma once
#include <stdexcept>
#include <string>

#include "lib/exit_codes.hpp"

namespace roost {

// The one error type of Roost. It carries the exit code the process should
// end with and a message that names what is wrong and what to do about it.
class Error : public std::runtime_error {
 public:
  Error(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }
  bool temporary() const { return exit_code_is_temporary(exit_code_); }

 private:
  int exit_code_;
};

// Builds an Error from errno for a failed system call on `path`.
// ENOSPC/EDQUOT map to kExitCantCreat, EACCES/EPERM to kExitNoPerm,
// ENOENT to kExitNoInput, anything else to kExitIoErr (or kExitTempFail for
// EAGAIN/EINTR/ENOLCK).
[[noreturn]] void throw_errno(const std::string& what, const std::string& path, int err);
[[noreturn]] void throw_errno(const std::string& what, const std::string& path);

}  // namespace roost
