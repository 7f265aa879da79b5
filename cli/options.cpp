#include "cli/options.hpp"

#include "lib/error.hpp"

namespace roost::cli {

std::vector<ParsedOption> OptionParser::parse(const std::vector<std::string>& args,
                                              size_t& pos) const {
  std::vector<ParsedOption> out;
  while (pos < args.size()) {
    const std::string& a = args[pos];
    if (a == "--") {
      ++pos;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    ++pos;
    for (size_t i = 1; i < a.size(); ++i) {
      char c = a[i];
      size_t at = spec_.find(c);
      if (c == ':' || at == std::string::npos)
        throw Error(kExitUsage, context_ + ": unknown option -" + std::string(1, c) +
                                    " (see `roost help " + context_ + "`)");
      bool takes_value = at + 1 < spec_.size() && spec_[at + 1] == ':';
      if (!takes_value) {
        out.push_back({c, ""});
        continue;
      }
      std::string value;
      if (i + 1 < a.size()) {
        value = a.substr(i + 1);
      } else if (pos < args.size()) {
        value = args[pos++];
      } else {
        throw Error(kExitUsage, context_ + ": option -" + std::string(1, c) + " needs a value");
      }
      out.push_back({c, value});
      break;
    }
  }
  return out;
}

}  // namespace roost::cli
