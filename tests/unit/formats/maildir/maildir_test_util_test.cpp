// Implementation of maildir_test_util.hpp (named *_test.cpp so the unit test
// glob compiles it into roost_unit_tests).
#include "maildir_test_util.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "formats/builtin_drivers.hpp"
#include "lib/error.hpp"
#include "lib/fsutil.hpp"

namespace roost::test {

TempDir::TempDir() {
  char tmpl[] = "/tmp/roost-maildir-test-XXXXXX";
  if (!::mkdtemp(tmpl)) throw Error(kExitIoErr, "mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  try {
    remove_tree(path);
  } catch (...) {
  }
}

std::string run_command(const std::string& cmd, int& rc) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw Error(kExitOsErr, "popen failed: " + cmd);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return out;
}

void copy_dovecot_fixture(const std::string& dest) {
  std::string src = std::string(ROOST_SOURCE_DIR) + "/fixtures/maildir/dovecot-2.3/store/Maildir";
  int rc;
  run_command("cp -r '" + src + "' '" + dest + "' && chmod -R u+w '" + dest + "'", rc);
  if (rc != 0) throw Error(kExitIoErr, "cannot copy fixture " + src);
  for (const char* d : {"cur", "tmp", ".Sub/cur", ".Sub/new", ".Sub/tmp", ".Sub.Child/cur",
                        ".Sub.Child/tmp"})
    make_dirs(dest + "/" + d);
}

std::unique_ptr<MailStorage> open_maildir(const std::string& root, char separator,
                                          const std::string& layout) {
  register_builtin_storage_drivers();
  MailLocation loc;
  loc.format = "maildir";
  loc.root = root;
  loc.layout = layout;
  StorageSettings set;
  set.separator = separator;
  return open_storage(loc, set);
}

DovecotSandbox::DovecotSandbox(const std::string& extra_location) {
  const std::string& t = dir_.path;
  home_ = t + "/home";
  make_dirs(home_ + "/Maildir");
  make_dirs(t + "/run");
  make_dirs(t + "/state");
  config_ = t + "/dovecot.conf";
  std::string conf =
      "base_dir = " + t + "/run\n"
      "state_dir = " + t + "/state\n"
      "log_path = " + t + "/dovecot.log\n"
      "ssl = no\n"
      "protocols =\n"
      "first_valid_uid = 0\n"
      "first_valid_gid = 0\n"
      "default_internal_user = root\n"
      "default_internal_group = root\n"
      "default_login_user = root\n"
      "mail_location = maildir:~/Maildir" + extra_location + "\n"
      "namespace inbox {\n  inbox = yes\n  separator = /\n}\n"
      "passdb {\n  driver = passwd-file\n  args = " + t + "/passwd\n}\n"
      "userdb {\n  driver = passwd-file\n  args = " + t + "/passwd\n}\n";
  write_file_atomic(config_, conf, 0644);
  // Dovecot refuses mail access as root: the mail user is "nobody".
  write_file_atomic(t + "/passwd", "u1::65534:65534::" + home_ + "::\n", 0644);
  int rc;
  run_command("chmod 755 '" + t + "'", rc);
  // The daemon keeps its stdout: send it to a file, or popen never sees EOF.
  run_command("dovecot -c '" + config_ + "' >'" + t + "/start.out' 2>&1", rc);
  std::string out = read_file_if_exists(t + "/start.out").value_or("");
  if (rc != 0)
    throw Error(kExitUnavailable, "cannot start the Dovecot sandbox (" + config_ + "): " + out);
  running_ = true;
}

DovecotSandbox::~DovecotSandbox() {
  if (running_) {
    int rc;
    run_command("dovecot -c '" + config_ + "' stop >/dev/null 2>&1", rc);
  }
}

std::string DovecotSandbox::doveadm(const std::string& args, const std::string& stdin_data) {
  int rc;
  run_command("chown -R 65534:65534 '" + home_ + "'", rc);
  std::string input_file = dir_.path + "/stdin.eml";
  write_file_atomic(input_file, stdin_data, 0644);
  std::string cmd = "doveadm -c '" + config_ + "' " + args + " < '" + input_file + "' 2>&1";
  std::string out = run_command(cmd, rc);
  if (rc != 0)
    throw Error(kExitFailure, "doveadm failed (exit " + std::to_string(rc) + "): " + cmd + "\n" + out);
  return out;
}

}  // namespace roost::test
