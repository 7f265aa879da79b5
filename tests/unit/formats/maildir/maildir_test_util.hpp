#pragma once
// Helpers for the Maildir unit tests: temp dirs and the Dovecot fixture copy.
// Tests against a running Dovecot are integration tests using the shared
// harness (tests/harness/roostharness), not unit tests.
#include <string>
#include <vector>

#include "formats/model/storage.hpp"

namespace roost::test {

struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// Copies fixtures/maildir/dovecot-2.3/store/Maildir to `dest` (writable)
// and recreates the empty dirs git doesn't keep.
void copy_dovecot_fixture(const std::string& dest);

std::unique_ptr<MailStorage> open_maildir(const std::string& root, char separator = '/',
                                          const std::string& layout = "");

// Runs a shell command, returns its stdout; `rc` gets the exit status.
std::string run_command(const std::string& cmd, int& rc);

}  // namespace roost::test
