#pragma once

namespace roost::dsync {

// Who wins. Two-way sync merges; backup makes the destination exactly the
// source; one-way (-1) brings the source's changes over but never deletes
// or reverts anything on the destination.
struct Direction {
  enum class Kind { kTwoWay, kBackup, kOneWay };
  Kind kind = Kind::kTwoWay;
  bool master_is_source = true;  // backup/one-way: the master's side is the source

  bool two_way() const { return kind == Kind::kTwoWay; }
  bool is_source(bool master) const { return !two_way() && master == master_is_source; }
  bool is_dest(bool master) const { return !two_way() && master != master_is_source; }
};

}  // namespace roost::dsync
