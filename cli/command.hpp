#pragma once
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/options.hpp"
#include "cli/print/printer.hpp"

namespace roost::cli {

class Environment;

// What every verb gets: the global options, its own arguments (everything
// after the verb's name), the output streams and the lazily loaded
// configuration/user database.
struct CommandContext {
  CommandContext(GlobalOptions g, std::vector<std::string> a, std::ostream& o, std::ostream& e,
                 std::istream& i, Environment& en, std::string prog)
      : global(std::move(g)), args(std::move(a)), out(o), err(e), in(i), env(en),
        program(std::move(prog)) {}

  GlobalOptions global;
  std::vector<std::string> args;
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  Environment& env;
  std::string program;  // "roost" or "doveadm", for messages

  // The printer for the verb's output, created on first use with -f or the
  // verb's default formatter.
  Printer& printer();
  void set_default_formatter(std::string name) { default_formatter_ = std::move(name); }
  void finish_output();

 private:
  std::unique_ptr<Printer> printer_;
  std::string default_formatter_ = "flow";
};

struct Verb {
  std::string name;      // "mailbox status"
  std::string usage;     // the part after the name
  std::string summary;   // one line for `roost help`
  std::function<int(CommandContext&)> run;
};

// Every verb Roost knows, in help order.
const std::vector<Verb>& verb_table();

}  // namespace roost::cli
