#include "cli/print/printers.hpp"

namespace roost::cli {
namespace {

// "title: value" lines, one block per row, blocks separated by "\f\n".
// Streamed values print "title:" on a line of their own, then the text.
class PagerPrinter : public Printer {
 public:
  explicit PagerPrinter(std::ostream& out) : Printer(out) {}
  void flush() override {
    if (column_ != 0) {
      out_ << '\n';
      column_ = 0;
    }
    out_.flush();
  }

 private:
  void page_break() {
    if (column_ == 0 && !first_page_) out_ << "\f\n";
    first_page_ = false;
  }
  void emit(std::string_view v) override {
    page_break();
    const auto& h = headers_[column_];
    if (!(h.flags & kHeaderHideTitle)) out_ << h.title << ": ";
    out_ << v << '\n';
  }
  // Like doveadm, a streamed value never starts a new page itself.
  void start_stream() {
    const auto& h = headers_[column_];
    if (!(h.flags & kHeaderHideTitle)) out_ << h.title << ":\n";
    started_ = true;
  }
  void emit_chunk(std::string_view c) override {
    if (!started_) start_stream();
    out_ << c;
  }
  void emit_stream_end() override {
    if (!started_) start_stream();
    started_ = false;
  }
  bool first_page_ = true;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Printer> make_pager_printer(std::ostream& out) {
  return std::make_unique<PagerPrinter>(out);
}

}  // namespace roost::cli
