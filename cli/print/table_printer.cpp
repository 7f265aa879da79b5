#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "cli/print/printers.hpp"
#include "lib/error.hpp"

namespace roost::cli {
namespace {

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

// Aligned columns. The first 100 rows are buffered to size the columns
// (never wider than the terminal, 80 columns when not a terminal); the
// spare width goes to the first expanding column, else to the last one,
// as doveadm does, so scripts that cut columns by position keep working.
class TablePrinter : public Printer {
 public:
  TablePrinter(std::ostream& out, unsigned columns) : Printer(out), columns_(columns) {}
  void flush() override {
    if (!sized_ && !headers_.empty()) flush_buffer();
    out_.flush();
  }

 private:
  static constexpr size_t kBufferRows = 100;
  struct Width {
    size_t min, max, length;
  };

  void emit(std::string_view v) override {
    if (!sized_) {
      if (buffered_.size() / headers_.size() < kBufferRows) {
        buffered_.emplace_back(v);
        return;
      }
      flush_buffer();
    }
    print_cell(v);
  }
  void emit_chunk(std::string_view c) override {
    if (c.find('\n') != std::string_view::npos)
      throw Error(kExitUsage, "the table formatter can't print multi-line values: use -f flow, "
                              "pager, tab or json");
    pending_ += c;
  }
  void emit_stream_end() override {
    std::string v = std::move(pending_);
    pending_.clear();
    emit(v);
  }

  void compute_widths() {
    widths_.clear();
    for (const auto& h : headers_) {
      size_t l = utf8_length(h.title);
      widths_.push_back({l, l, l});
    }
    const size_t n = headers_.size();
    for (size_t i = 0; i < buffered_.size(); ++i) {
      auto& w = widths_[i % n];
      size_t l = utf8_length(buffered_[i]);
      w.min = std::min(w.min, l);
      if (l > w.max) w.max = w.length = l;
    }
    size_t total = 0;
    for (const auto& w : widths_) total += w.max + 1;
    total--;
    while (total > columns_) {
      size_t before = total;
      for (size_t i = n; i-- > 0;) {
        size_t diff = widths_[i].length - widths_[i].min;
        if (total - diff <= columns_) {
          diff = total - columns_;
          widths_[i].length -= diff;
          total -= diff;
          break;
        }
        if (diff > 0) widths_[i].length -= diff == 1 ? 1 : diff / 2;
      }
      if (total == before) break;
    }
    if (total < columns_) {
      size_t target = n - 1;
      for (size_t i = 0; i < n; ++i)
        if (headers_[i].flags & kHeaderExpand) {
          target = i;
          break;
        }
      widths_[target].length += (columns_ - total) / 2;
    }
  }

  void pad(std::string_view v, size_t width) {
    out_ << v;
    size_t l = utf8_length(v);
    for (size_t i = l; i < width; ++i) out_ << ' ';
  }

  void print_cell(std::string_view v) {
    pad(v, widths_[cell_].length);
    if (++cell_ == headers_.size()) {
      cell_ = 0;
      out_ << '\n';
    } else {
      out_ << ' ';
    }
  }

  void flush_buffer() {
    sized_ = true;
    compute_widths();
    bool all_hidden = std::all_of(headers_.begin(), headers_.end(),
                                  [](const Header& h) { return h.flags & kHeaderHideTitle; });
    if (!all_hidden) {
      for (size_t i = 0; i < headers_.size(); ++i) {
        if (i) out_ << ' ';
        pad(headers_[i].title, widths_[i].length);
      }
      out_ << '\n';
    }
    for (const auto& v : buffered_) print_cell(v);
    buffered_.clear();
  }

  unsigned columns_;
  bool sized_ = false;
  size_t cell_ = 0;
  std::vector<std::string> buffered_;
  std::vector<Width> widths_;
  std::string pending_;
};

}  // namespace

std::unique_ptr<Printer> make_table_printer(std::ostream& out, unsigned columns) {
  if (columns == 0) {
    columns = 80;
    struct winsize ws;
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) columns = ws.ws_col < 30 ? 30 : ws.ws_col;
  }
  return std::make_unique<TablePrinter>(out, columns);
}

}  // namespace roost::cli
