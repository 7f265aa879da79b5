#pragma once
namespace roost::cli {
// Entry point of the `roost` program; returns the process exit code.
int run_main(int argc, char** argv);
}  // namespace roost::cli
