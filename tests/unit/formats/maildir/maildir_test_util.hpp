#pragma once
// Helpers for the Maildir unit tests: temp dirs, the Dovecot fixture copy,
// and a sandboxed real Dovecot (its own config, passwd-file userdb, base_dir
// and logs in a temp dir) to run `doveadm` against stores Roost writes.
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

// A running Dovecot instance for user "u1" whose mail is `maildir:<home>/Maildir`
// (namespace separator '/'). The constructor starts `dovecot -c <cfg>`; a
// failure to start throws (tests must FAIL, never skip). Mail files are
// chowned to the unprivileged mail user before every doveadm call (Dovecot
// refuses mail access as root) and readable by Roost (root) anyway.
class DovecotSandbox {
 public:
  explicit DovecotSandbox(const std::string& extra_location = "");
  ~DovecotSandbox();
  const std::string& home() const { return home_; }
  std::string maildir() const { return home_ + "/Maildir"; }
  // Runs `doveadm -c <cfg> <args>` for user u1 (args are inserted verbatim;
  // quote them for the shell). Throws when doveadm exits non-zero.
  std::string doveadm(const std::string& args, const std::string& stdin_data = "");

 private:
  TempDir dir_;
  std::string config_;
  std::string home_;
  bool running_ = false;
};

}  // namespace roost::test
