#pragma once
// Process exit codes shared by the CLI, the doveadm protocol and the HTTP API.
// They follow sysexits.h plus doveadm's own additions, so scripts written
// against doveadm interpret Roost's codes the same way.
namespace roost {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,           // generic failure (a command's own error)
  kExitChangedDuringSync = 2, // success, but a mailbox changed during the sync
  kExitUsage = 64,            // EX_USAGE: bad parameters
  kExitDataErr = 65,          // EX_DATAERR: bad input data (e.g. a bad search query)
  kExitNoInput = 66,          // EX_NOINPUT: cannot open input (e.g. no such mailbox)
  kExitNoUser = 67,           // EX_NOUSER: user unknown
  kExitNoHost = 68,           // EX_NOHOST
  kExitNotFound = 68,         // doveadm reuses 68 for "mailbox/message not found"
  kExitUnavailable = 69,      // EX_UNAVAILABLE
  kExitSoftware = 70,         // EX_SOFTWARE: internal error
  kExitOsErr = 71,            // EX_OSERR
  kExitOsFile = 72,           // EX_OSFILE
  kExitCantCreat = 73,        // EX_CANTCREAT: cannot create mailbox/message, quota
  kExitIoErr = 74,            // EX_IOERR
  kExitTempFail = 75,         // EX_TEMPFAIL: try again later
  kExitProtocol = 76,         // EX_PROTOCOL
  kExitNoPerm = 77,           // EX_NOPERM
  kExitConfig = 78,           // EX_CONFIG
  kExitExpired = 1003,        // DOVEADM_EX_EXPIRED
};

// Name used by the doveadm protocol (-CODE) and the HTTP API.
const char* exit_code_name(int code);
// True when running the same command again later may succeed.
bool exit_code_is_temporary(int code);

}  // namespace roost
