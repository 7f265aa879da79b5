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

}  // namespace roost::test
