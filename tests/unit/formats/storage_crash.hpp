#pragma once
// A driver-neutral crash test: a forked writer saves, changes flags and
// expunges through formats/model only, and is killed with SIGKILL at a
// random instant, round after round. After each kill the store must open,
// every committed message must be there (unless its expunge had started),
// nothing may be doubled, and no UID may ever name another message.
#include <chrono>
#include <functional>
#include <memory>

#include "formats/model/storage.hpp"

namespace roost::test {

struct CrashRounds {
  int rounds = 200;
  std::chrono::seconds budget{55};  // stop early (with a warning) past this
  unsigned seed = 1;
  unsigned max_kill_delay_us = 20000;
};

// `open_store` opens the store under test (in the test and in each child);
// `check_files` runs after each round's generic checks for what only the
// driver can check on disk (uidlist vs files, mbox structure...).
void run_storage_crash_rounds(const std::function<std::unique_ptr<MailStorage>()>& open_store,
                              const std::function<void()>& check_files, const CrashRounds& opt);

}  // namespace roost::test
