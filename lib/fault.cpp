#include "lib/fault.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

namespace roost {

void fault_point_after_fsync() {
  static long remaining = [] {
    const char* v = std::getenv("ROOST_FAULT_AFTER_FSYNCS");
    return v ? std::atol(v) : -1L;
  }();
  if (remaining < 0) return;
  if (--remaining <= 0) ::kill(::getpid(), SIGKILL);
}

}  // namespace roost
