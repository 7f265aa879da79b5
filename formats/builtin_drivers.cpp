#include "formats/builtin_drivers.hpp"

#include "formats/dbox/sdbox_storage.hpp"
#include "formats/maildir/maildir_storage.hpp"
#include "formats/mbox/mbox_storage.hpp"

namespace roost {

void register_builtin_storage_drivers() {
  static bool done = false;
  if (done) return;
  done = true;
  register_maildir_driver();
  register_mbox_driver();
  register_sdbox_driver();
}

}  // namespace roost
