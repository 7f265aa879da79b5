#include "cli/cli.hpp"

#include <iostream>

namespace roost::cli {
int run_main(int argc, char** argv) {
  std::cerr << "roost: no verbs yet\n";
  return 64;
}
}  // namespace roost::cli
