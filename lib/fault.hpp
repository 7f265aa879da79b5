#pragma once

namespace roost {

// Crash injection for tests: when the environment variable
// ROOST_FAULT_AFTER_FSYNCS=N is set, the process kills itself with SIGKILL
// right after its N-th durable write (fsync), so a test can stop a writer at
// every interesting point of its write path and check that nothing is lost.
// Called by every fsync in Roost; costs one branch when the variable is unset.
void fault_point_after_fsync();

}  // namespace roost
