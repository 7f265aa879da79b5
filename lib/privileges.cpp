#include "lib/privileges.hpp"

#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lib/error.hpp"

namespace roost {

EffectiveUser::EffectiveUser(uid_t uid, gid_t gid) {
  if (::geteuid() != 0 || uid == 0) return;
  if (::setgroups(1, &gid) < 0 || ::setegid(gid) < 0)
    throw Error(kExitNoPerm, "cannot switch to group " + std::to_string(gid) + ": " +
                                 std::strerror(errno));
  if (::seteuid(uid) < 0) {
    int e = errno;
    ::setegid(0);
    throw Error(kExitNoPerm, "cannot switch to uid " + std::to_string(uid) + ": " +
                                 std::strerror(e));
  }
  switched_ = true;
}

EffectiveUser::~EffectiveUser() {
  if (!switched_) return;
  // Back to root: uid first, since only root may change the group ids.
  if (::seteuid(0) == 0) {
    ::setegid(0);
    gid_t root_group = 0;
    ::setgroups(1, &root_group);
  }
}

}  // namespace roost
