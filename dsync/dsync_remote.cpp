#include "dsync/dsync_remote.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "lib/error.hpp"

namespace roost::dsync {

BrainResult run_remote_sync(MailStorage& local, std::vector<std::string> command,
                            const BrainSettings& settings) {
  if (command.empty()) throw Error(kExitUsage, "dsync: empty remote command");
  if (command.back() != "dsync-server") command.push_back("dsync-server");
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) < 0) throw_errno("cannot create", "a pipe");
  if (::pipe2(from_child, O_CLOEXEC) < 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    throw_errno("cannot create", "a pipe");
  }
  std::vector<char*> argv;
  for (auto& a : command) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("cannot start", command.front());
  if (pid == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  BrainResult result;
  std::exception_ptr error;
  {
    auto channel = make_stream_channel(from_child[0], to_child[1], true);
    BrainSettings s = settings;
    s.master = true;
    try {
      result = Brain(local, *channel, s).run();
    } catch (...) {
      error = std::current_exception();
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (code != 0) {
    // As doveadm: whatever the remote's reason, this side reports a
    // temporary failure (the remote printed its own error on stderr).
    throw Error(kExitTempFail, "dsync: remote command returned error " + std::to_string(code) +
                                   (code == 127 ? " (command not found: " + command.front() + ")"
                                                : std::string()));
  }
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace roost::dsync
