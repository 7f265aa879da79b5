#include "cli/print/printer.hpp"

#include "cli/print/printers.hpp"
#include "lib/error.hpp"

namespace roost::cli {

void Printer::add_header(std::string key, std::string title, unsigned flags) {
  headers_.push_back(Header{std::move(key), std::move(title), flags, {}});
  on_header(headers_.back());
}

void Printer::set_sticky(const std::string& key, std::string value) {
  for (auto& h : headers_)
    if (h.key == key) h.sticky_value = std::move(value);
}

void Printer::print_stickies() {
  while (!headers_.empty() && (headers_[column_].flags & kHeaderSticky)) {
    emit(headers_[column_].sticky_value);
    advance();
  }
}

void Printer::advance() {
  if (++column_ >= headers_.size()) column_ = 0;
}

void Printer::print(std::string_view value) {
  print_stickies();
  emit(value);
  advance();
}

void Printer::print_chunk(std::string_view chunk) {
  if (!streaming_) {
    print_stickies();
    streaming_ = true;
  }
  if (!chunk.empty()) emit_chunk(chunk);
}

void Printer::end_stream() {
  if (!streaming_) print_stickies();
  streaming_ = false;
  emit_stream_end();
  advance();
}

std::unique_ptr<Printer> make_printer(const std::string& name, std::ostream& out,
                                      unsigned columns) {
  if (name == "flow") return make_flow_printer(out);
  if (name == "tab") return make_tab_printer(out);
  if (name == "table") return make_table_printer(out, columns);
  if (name == "pager") return make_pager_printer(out);
  if (name == "json") return make_json_printer(out);
  throw Error(kExitUsage,
              "unknown formatter '" + name + "': use flow, tab, table, pager or json");
}

}  // namespace roost::cli
