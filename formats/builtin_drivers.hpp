#pragma once
namespace roost {
// Registers every storage driver compiled into Roost with the factory
// (explicit, so a static link never drops a driver).
void register_builtin_storage_drivers();
}  // namespace roost
