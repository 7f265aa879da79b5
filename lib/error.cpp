#include "lib/error.hpp"

#include <cerrno>
#include <cstring>

namespace roost {

const char* exit_code_name(int code) {
  switch (code) {
    case kExitOk: return "OK";
    case kExitChangedDuringSync: return "CHANGED";
    case kExitUsage: return "USAGE";
    case kExitDataErr: return "DATAERR";
    case kExitNoInput: return "NOTFOUND";
    case kExitNoUser: return "NOUSER";
    case kExitNoHost: return "NOHOST";
    case kExitUnavailable: return "UNAVAILABLE";
    case kExitSoftware: return "SOFTWARE";
    case kExitOsErr: return "OSERR";
    case kExitOsFile: return "OSFILE";
    case kExitCantCreat: return "CANTCREAT";
    case kExitIoErr: return "IOERR";
    case kExitTempFail: return "TEMPFAIL";
    case kExitProtocol: return "PROTOCOL";
    case kExitNoPerm: return "NOPERM";
    case kExitConfig: return "CONFIG";
    case kExitExpired: return "EXPIRED";
    default: return "FAILED";
  }
}

bool exit_code_is_temporary(int code) {
  return code == kExitTempFail || code == kExitChangedDuringSync || code == kExitIoErr ||
         code == kExitUnavailable;
}

void throw_errno(const std::string& what, const std::string& path, int err) {
  int code = kExitIoErr;
  std::string hint;
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      code = kExitCantCreat;
      hint = " (the disk or quota is full: free space, then run the command again; nothing was lost)";
      break;
    case EACCES:
    case EPERM:
    case EROFS:
      code = kExitNoPerm;
      hint = " (check ownership and permissions, or run as the mail user)";
      break;
    case ENOENT:
    case ENOTDIR:
      code = kExitNoInput;
      break;
    case EAGAIN:
    case EINTR:
    case ENOLCK:
      code = kExitTempFail;
      hint = " (temporary: try again)";
      break;
    default:
      break;
  }
  throw Error(code, what + " " + path + ": " + std::strerror(err) + hint);
}

void throw_errno(const std::string& what, const std::string& path) { throw_errno(what, path, errno); }

}  // namespace roost
