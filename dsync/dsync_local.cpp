#include "dsync/dsync_local.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <exception>
#include <thread>

#include "lib/error.hpp"

namespace roost::dsync {

BrainResult run_local_sync(MailStorage& master, MailStorage& slave, const BrainSettings& settings,
                           ChannelKind kind) {
  std::unique_ptr<Channel> a, b;
  if (kind == ChannelKind::kInProcess) {
    std::tie(a, b) = make_channel_pair();
  } else {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
      throw_errno("cannot create", "a socket pair for dsync");
    a = make_stream_channel(fds[0], fds[0], true);
    b = make_stream_channel(fds[1], fds[1], true);
  }
  BrainSettings ms = settings;
  ms.master = true;
  BrainSettings ss;
  ss.master = false;
  ss.dry_run = settings.dry_run;
  ss.log = settings.log;
  ss.hostname = settings.hostname;
  BrainResult master_result, slave_result;
  std::exception_ptr master_error, slave_error;
  std::thread slave_thread([&] {
    try {
      slave_result = Brain(slave, *b, ss).run();
    } catch (...) {
      slave_error = std::current_exception();
    }
  });
  try {
    master_result = Brain(master, *a, ms).run();
  } catch (...) {
    master_error = std::current_exception();
  }
  slave_thread.join();
  // The side that failed first has the real reason; the other one only saw
  // the session end (a temporary failure).
  auto code = [](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const Error& err) {
      return err.exit_code();
    } catch (...) {
      return static_cast<int>(kExitSoftware);
    }
  };
  if (master_error && slave_error)
    std::rethrow_exception(code(master_error) == kExitTempFail ? slave_error : master_error);
  if (master_error) std::rethrow_exception(master_error);
  if (slave_error) std::rethrow_exception(slave_error);
  // Both sides name a mailbox either of them saw change.
  auto& changed = master_result.changed_mailboxes;
  for (auto& n : slave_result.changed_mailboxes)
    if (std::find(changed.begin(), changed.end(), n) == changed.end()) changed.push_back(n);
  master_result.another_pass = master_result.another_pass || slave_result.another_pass;
  master_result.plan["peer"] = std::move(slave_result.plan);
  return master_result;
}

BrainResult settle(const BrainSettings& settings,
                   const std::function<BrainResult(const BrainSettings&)>& run_pass,
                   int max_passes) {
  BrainResult r = run_pass(settings);
  if (settings.dry_run) return r;
  for (int pass = 1; pass < max_passes; ++pass) {
    if (!r.another_pass && r.changed_mailboxes.empty()) break;
    BrainSettings again = settings;
    if (!r.another_pass) {
      // Only changes made meanwhile: the state keeps the rest cheap.
      again.state = r.new_state;
      again.sync_type = 's';
    }
    r = run_pass(again);
  }
  return r;
}

BrainResult sync_until_settled(MailStorage& master, MailStorage& slave,
                               const BrainSettings& settings, ChannelKind kind, int max_passes) {
  return settle(
      settings, [&](const BrainSettings& s) { return run_local_sync(master, slave, s, kind); },
      max_passes);
}

}  // namespace roost::dsync
