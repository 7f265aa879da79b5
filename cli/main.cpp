#include "cli/cli.hpp"

int main(int argc, char** argv) { return roost::cli::run_main(argc, argv); }
