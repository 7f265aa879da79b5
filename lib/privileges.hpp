#pragma once
#include <sys/types.h>

namespace roost {

// While alive, a process running as root acts as `uid`/`gid` (effective ids
// and supplementary groups), so the mail files it creates belong to the mail
// user, exactly as doveadm does. Restores root on destruction. A no-op when
// not running as root or when uid is 0.
class EffectiveUser {
 public:
  EffectiveUser(uid_t uid, gid_t gid);
  ~EffectiveUser();
  EffectiveUser(const EffectiveUser&) = delete;
  EffectiveUser& operator=(const EffectiveUser&) = delete;

 private:
  bool switched_ = false;
};

}  // namespace roost
