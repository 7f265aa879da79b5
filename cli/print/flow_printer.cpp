#include "cli/print/printers.hpp"

namespace roost::cli {
namespace {

// "key=value key=value\n" per row; hidden titles print the bare value.
class FlowPrinter : public Printer {
 public:
  explicit FlowPrinter(std::ostream& out) : Printer(out) {}
  void flush() override {
    if (column_ != 0) {
      out_ << '\n';
      column_ = 0;
    }
    out_.flush();
  }

 private:
  void title() {
    const auto& h = headers_[column_];
    if (!(h.flags & kHeaderHideTitle)) out_ << h.title << '=';
  }
  void separator() { out_ << (column_ + 1 < headers_.size() ? ' ' : '\n'); }
  void emit(std::string_view v) override {
    title();
    out_ << v;
    separator();
  }
  void emit_chunk(std::string_view c) override {
    if (!started_) {
      title();
      started_ = true;
    }
    out_ << c;
  }
  void emit_stream_end() override {
    if (!started_) title();
    started_ = false;
    separator();
  }
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Printer> make_flow_printer(std::ostream& out) {
  return std::make_unique<FlowPrinter>(out);
}

}  // namespace roost::cli
