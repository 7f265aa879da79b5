#include "cli/command.hpp"

namespace roost::cli {

Printer& CommandContext::printer() {
  if (!printer_)
    printer_ = make_printer(global.formatter.empty() ? default_formatter_ : global.formatter, out);
  return *printer_;
}

void CommandContext::finish_output() {
  if (printer_) printer_->flush();
  out.flush();
}

}  // namespace roost::cli
