// The message hash verify compares: line endings don't count, bytes do.
#include <catch2/catch.hpp>

#include <sstream>

#include "formats/verify/body_hash.hpp"

using namespace roost;

TEST_CASE("body hash ignores CRLF vs LF and nothing else", "[verify]") {
  std::string lf = "Subject: x\n\nline one\nline two\n";
  std::string crlf = "Subject: x\r\n\r\nline one\r\nline two\r\n";
  CHECK(hash_message_bytes(lf) == hash_message_bytes(crlf));
  CHECK_FALSE(hash_message_bytes(lf) == hash_message_bytes("Subject: x\n\nline one\nline tw0\n"));
  // A lone CR is content.
  CHECK_FALSE(hash_message_bytes("a\rb\n") == hash_message_bytes("ab\n"));
  CHECK(hash_message_bytes("a\r") == hash_message_bytes("a\r"));
  CHECK_FALSE(hash_message_bytes("a\r") == hash_message_bytes("a"));
  CHECK(hash_message_bytes("").hex().size() == 32);
}

TEST_CASE("body hash is the same however the bytes are split", "[verify]") {
  std::string msg;
  for (int i = 0; i < 5000; ++i) msg += "line " + std::to_string(i) + (i % 3 ? "\r\n" : "\n");
  msg += "\r";  // a trailing CR with nothing after it
  BodyHash whole = hash_message_bytes(msg);
  for (size_t piece : {1u, 2u, 3u, 7u, 4096u}) {
    BodyHasher h;
    for (size_t at = 0; at < msg.size(); at += piece)
      h.update(std::string_view(msg).substr(at, piece));
    CHECK(h.finish() == whole);
  }
  for (size_t buffer : {1u, 5u, 65536u}) {
    std::istringstream in(msg);
    uint64_t n = 0;
    CHECK(hash_message(in, &n, buffer) == whole);
    CHECK(n == msg.size());
  }
}
