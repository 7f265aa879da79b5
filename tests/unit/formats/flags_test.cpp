#include <catch2/catch.hpp>

#include "formats/model/flags.hpp"
#include "lib/error.hpp"

using namespace roost;

TEST_CASE("flag lists parse and print in doveadm order", "[model][flags]") {
  auto f = parse_flag_list("todo \\Seen $Label1 \\answered");
  CHECK(f.system == (kFlagSeen | kFlagAnswered));
  CHECK(format_flags(f) == "\\Answered \\Seen todo $Label1");
  CHECK_THROWS_AS(parse_flag_list("\\Bogus"), Error);
  CHECK_THROWS_AS(parse_flag_list("bad(kw"), Error);
}

TEST_CASE("flag updates add, remove and replace", "[model][flags]") {
  MessageFlags f;
  apply_flag_update(f, FlagOp::kAdd, parse_flag_list("\\Seen a"));
  apply_flag_update(f, FlagOp::kAdd, parse_flag_list("A b"));
  CHECK(f.keywords.size() == 2);
  apply_flag_update(f, FlagOp::kRemove, parse_flag_list("\\Seen a"));
  CHECK(f.system == 0);
  CHECK(f.keywords == std::vector<std::string>{"b"});
  f.system = kFlagRecent;
  apply_flag_update(f, FlagOp::kReplace, parse_flag_list("\\Draft"));
  CHECK(f.system == (kFlagDraft | kFlagRecent));
  CHECK(f.keywords.empty());
}
