#include "cli/print/printers.hpp"

namespace roost::cli {
namespace {

// A header line of titles, then one TAB-separated line per row. Values are
// printed as they are (doveadm does not escape them).
class TabPrinter : public Printer {
 public:
  explicit TabPrinter(std::ostream& out) : Printer(out) {}
  void flush() override {
    header_line();
    out_.flush();
  }

 private:
  void on_header(const Header& h) override {
    if (headers_.size() > 1) out_ << '\t';
    out_ << h.title;
  }
  void header_line() {
    if (!header_written_) {
      out_ << '\n';
      header_written_ = true;
    }
  }
  void begin_value() {
    header_line();
    if (column_ > 0) out_ << '\t';
  }
  void end_value() {
    if (column_ + 1 == headers_.size()) out_ << '\n';
  }
  void emit(std::string_view v) override {
    begin_value();
    out_ << v;
    end_value();
  }
  void emit_chunk(std::string_view c) override {
    if (!started_) {
      begin_value();
      started_ = true;
    }
    out_ << c;
  }
  // doveadm ends a streamed value by printing an empty value after it,
  // which adds one more TAB when the column isn't the first; scripts
  // parsing `fetch -f tab text` see that byte, so Roost prints it too.
  void emit_stream_end() override {
    if (!started_) begin_value();
    started_ = false;
    if (column_ > 0) out_ << '\t';
    end_value();
  }
  bool header_written_ = false;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Printer> make_tab_printer(std::ostream& out) {
  return std::make_unique<TabPrinter>(out);
}

}  // namespace roost::cli
