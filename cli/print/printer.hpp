#pragma once
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace roost::cli {

// Output formatters with doveadm's names and byte-for-byte behaviour:
// flow (key=value), tab (header line + TAB separated), table (aligned
// columns), pager (key: value blocks separated by form feeds) and json
// (an array of objects whose values are strings).
//
// A command declares its columns with add_header(), then prints values in
// column order, row after row. Long values (message text) can be streamed
// in chunks with print_chunk() and closed with end_stream().
enum HeaderFlags : unsigned {
  kHeaderNone = 0,
  kHeaderHideTitle = 1,  // flow/pager print only the value ("INBOX messages=1")
  kHeaderSticky = 2,     // value set once with set_sticky(), repeated on every row
  kHeaderExpand = 4,     // table: this column takes the spare width
  kHeaderNumber = 8,     // json: printed as a number, not a string
};

class Printer {
 public:
  virtual ~Printer() = default;
  void add_header(std::string key, std::string title, unsigned flags = kHeaderNone);
  void add_header(const std::string& key) { add_header(key, key); }
  // Sets the value of a sticky column (e.g. "username" with -A).
  void set_sticky(const std::string& key, std::string value);
  void print(std::string_view value);
  void print_chunk(std::string_view chunk);
  void end_stream();
  // Ends the output (json closes its array, table prints buffered rows).
  virtual void flush() = 0;
  size_t header_count() const { return headers_.size(); }

 protected:
  struct Header {
    std::string key, title;
    unsigned flags = 0;
    std::string sticky_value;
  };
  explicit Printer(std::ostream& out) : out_(out) {}
  virtual void on_header(const Header& h) {}
  virtual void emit(std::string_view value) = 0;
  virtual void emit_chunk(std::string_view chunk) = 0;
  virtual void emit_stream_end() = 0;
  void print_stickies();

  std::ostream& out_;
  std::vector<Header> headers_;
  size_t column_ = 0;  // index of the column the next value belongs to
  bool streaming_ = false;

 private:
  void advance();
};

// "flow", "tab", "table", "pager", "json". Throws Error(kExitUsage) for an
// unknown name. `columns` is the table width (0: the terminal's, else 80).
std::unique_ptr<Printer> make_printer(const std::string& name, std::ostream& out,
                                      unsigned columns = 0);

}  // namespace roost::cli
