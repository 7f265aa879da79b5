#include "formats/maildir/maildir_storage.hpp"

namespace roost {
void register_maildir_driver() {}
}  // namespace roost
