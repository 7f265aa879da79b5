#include <nlohmann/json.hpp>

#include "cli/print/printers.hpp"

namespace roost::cli {
namespace {

// [{"key":"value",...},...] with no trailing newline, values as JSON
// strings (numbers only for columns flagged kHeaderNumber).
class JsonPrinter : public Printer {
 public:
  explicit JsonPrinter(std::ostream& out) : Printer(out) {}
  void flush() override {
    if (flushed_) return;
    flushed_ = true;
    out_ << (first_row_ ? "[]" : "]");
    out_.flush();
  }

 private:
  static std::string escape(std::string_view s) {
    // dump() of a JSON string gives the quoted, escaped form.
    std::string q = nlohmann::json(std::string(s)).dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace);
    return q.substr(1, q.size() - 2);
  }
  void key() {
    if (column_ == 0) {
      out_ << (first_row_ ? "[" : ",") << '{';
      first_row_ = false;
    } else {
      out_ << ',';
    }
    out_ << '"' << escape(headers_[column_].key) << "\":";
  }
  void end_value() {
    if (column_ + 1 == headers_.size()) out_ << '}';
  }
  void emit(std::string_view v) override {
    key();
    if (headers_[column_].flags & kHeaderNumber)
      out_ << v;
    else
      out_ << '"' << escape(v) << '"';
    end_value();
  }
  // Streamed text is collected first so a chunk boundary can't split a
  // UTF-8 sequence before escaping.
  void emit_chunk(std::string_view c) override { pending_ += c; }
  void emit_stream_end() override {
    key();
    out_ << '"' << escape(pending_) << '"';
    pending_.clear();
    end_value();
  }
  bool first_row_ = true;
  bool flushed_ = false;
  std::string pending_;
};

}  // namespace

std::unique_ptr<Printer> make_json_printer(std::ostream& out) {
  return std::make_unique<JsonPrinter>(out);
}

}  // namespace roost::cli
