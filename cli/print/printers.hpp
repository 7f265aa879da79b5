#pragma once
// Private to cli/print: one factory per formatter, each in its own file.
#include <memory>
#include <ostream>

#include "cli/print/printer.hpp"

namespace roost::cli {
std::unique_ptr<Printer> make_flow_printer(std::ostream& out);
std::unique_ptr<Printer> make_tab_printer(std::ostream& out);
std::unique_ptr<Printer> make_table_printer(std::ostream& out, unsigned columns);
std::unique_ptr<Printer> make_pager_printer(std::ostream& out);
std::unique_ptr<Printer> make_json_printer(std::ostream& out);
}  // namespace roost::cli
