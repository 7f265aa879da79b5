#pragma once
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsync/dsync_item.hpp"

namespace roost::dsync {

// Dovecot's dsync byte stream (dsync-protocol.md §2-§4), free of I/O: the
// encoder turns items into bytes, the decoder bytes into items.

// "VERSION\tdsync\t3\t5\n", one header line per item type, ".\n".
std::string encode_preamble();
// One item as its line (plus the dot-stuffed body of a mail).
std::string encode_item(const Item& item);

// Incremental decoder: feed() whatever bytes arrived, then next() until it
// returns nullopt (needs more bytes). Items are decoded by the peer's own
// header lines, so field order and extra fields don't matter. Throws
// Error(kExitProtocol) on malformed input.
class WireDecoder {
 public:
  void feed(std::string_view bytes);
  std::optional<Item> next();
  // True once the peer's version line and headers were read.
  bool handshaken() const { return preamble_done_; }

 private:
  std::optional<std::string> take_line();
  Item decode_line(const std::string& line);
  bool read_body(std::string& out);

  std::string buf_;
  size_t pos_ = 0;
  bool version_seen_ = false;
  bool preamble_done_ = false;
  std::map<char, std::vector<std::string>> headers_;
  // A mail whose body is still arriving.
  std::optional<Mail> pending_mail_;
  // An attribute whose value is still arriving as a body ("stream").
  std::optional<MailboxAttributeItem> pending_attr_;
  bool pending_attr_body_ = false;
  std::string body_;
};

// The header-hash normalisation of spec §3.5, version 3 (bytes < 0x20 but
// \n, >= 0x7f and '?' collapse to one '?', spaces dropped), then MD5 hex.
std::string header_hash_v3(std::string_view header_subset);

}  // namespace roost::dsync
