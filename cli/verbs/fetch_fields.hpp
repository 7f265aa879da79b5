#pragma once
// The fetch fields that need the message parsed (MIME structure, headers).
#include <memory>
#include <string>

#include "cli/mail_query.hpp"
#include "cli/print/printer.hpp"

namespace roost {
class ParsedMessage;
struct HeaderBlock;
}

namespace roost::cli {

// Per-user fetch state: caches the parsed form of the current message so
// several MIME fields parse it once.
struct FetchState {
  std::string user;
  FetchState();
  ~FetchState();
  void begin_message(const MatchedMail& m);
  const ParsedMessage& parsed(const MatchedMail& m);
  // Only the header, from the storage's header cache when it has one.
  const HeaderBlock& header(const MatchedMail& m);

 private:
  std::unique_ptr<ParsedMessage> parsed_;
  bool parsed_valid_ = false;
  std::string header_text_;
  std::unique_ptr<HeaderBlock> header_;
  bool header_valid_ = false;
};

// "2024-01-01 00:00:01" in local time, as doveadm prints dates.
std::string format_local_date(int64_t unix_time);
void print_date_sent(const MatchedMail& m, Printer& p, FetchState& s, bool unixtime);
void print_imap_envelope(const MatchedMail& m, Printer& p, FetchState& s);
void print_imap_body(const MatchedMail& m, Printer& p, FetchState& s, bool extended);
void print_snippet(const MatchedMail& m, Printer& p, FetchState& s);
void print_header_field(const MatchedMail& m, Printer& p, FetchState& s, const std::string& name,
                        bool utf8);

}  // namespace roost::cli
