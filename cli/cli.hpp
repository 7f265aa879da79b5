#pragma once
#include <iostream>
#include <string>
#include <vector>

namespace roost::cli {
// Entry point of the `roost` program; returns the process exit code.
// Invoked as `doveadm` (argv[0]) it behaves the same and names itself so.
int run_main(int argc, char** argv);
// The same with explicit arguments and streams (used by tests).
int run(const std::vector<std::string>& args, const std::string& program, std::istream& in,
        std::ostream& out, std::ostream& err);
}  // namespace roost::cli
