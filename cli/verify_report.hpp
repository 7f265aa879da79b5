#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "formats/verify/store_verifier.hpp"

namespace roost::cli {

// How one verify run is described in its output.
struct VerifyRun {
  std::string user;  // "" for the two-location form
  std::string a, b;  // the two mail locations, as given / configured
  VerifyOptions options;
  double seconds = 0;
  VerifyReport report;
};

// `-f json`: one object per run (schema in docs/man/verify.md).
nlohmann::json verify_report_json(const VerifyRun& run);

// The default human summary: every listed difference on its own line, then
// one line with the verdict. `verbose` adds a line per mailbox and speed.
void print_verify_text(std::ostream& out, const VerifyRun& run, bool verbose);

}  // namespace roost::cli
