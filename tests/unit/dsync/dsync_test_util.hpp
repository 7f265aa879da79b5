#pragma once
// Helpers for the dsync unit tests: stores of any registered format in temp
// dirs, a counting wrapper around a storage, mail creation and comparison.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dsync/dsync_local.hpp"
#include "formats/model/storage.hpp"
#include "tests/unit/temp_dir.hpp"

namespace roost::test::dsync {

// Every format the engine tests run over; add a driver here to cover it.
const std::vector<std::string>& formats();

struct Store {
  TempDir tmp{"roost-dsync-test"};  // destroyed last: after the storage
  std::string dir = tmp.path;
  std::string format;
  std::unique_ptr<MailStorage> storage;
  Store(const std::string& format);
  void reopen();
};

uint32_t save(MailStorage& s, const std::string& box, const std::string& body,
              const std::string& flags = "");
void set_flags(MailStorage& s, const std::string& box, uint32_t uid, const std::string& flags);
void expunge(MailStorage& s, const std::string& box, uint32_t uid);
std::string message(const std::string& id, const std::string& text = "body");

// mailbox -> sorted "uid flags subject" lines (UIDs dropped when !with_uids).
using Snapshot = std::map<std::string, std::vector<std::string>>;
Snapshot snapshot(MailStorage& s, bool with_uids);

// Wraps a storage and counts open_message() calls on its mailboxes.
struct OpenCounter {
  int opens = 0;
  // Called before each open_message(): what another program does meanwhile.
  std::function<void(uint32_t uid)> on_open_message;
};
std::unique_ptr<MailStorage> counting(MailStorage& inner, OpenCounter& counter);

roost::dsync::BrainResult sync(
    MailStorage& a, MailStorage& b, roost::dsync::Direction dir = {},
    roost::dsync::ChannelKind kind = roost::dsync::ChannelKind::kInProcess,
    const std::string& state = "", char sync_type = 'c');

}  // namespace roost::test::dsync

#include <catch2/catch.hpp>
namespace Catch {
template <>
struct StringMaker<roost::test::dsync::Snapshot> {
  static std::string convert(const roost::test::dsync::Snapshot& s) {
    std::string out = "\n";
    for (const auto& [box, lines] : s) {
      out += "  " + box + ":\n";
      for (const auto& l : lines) out += "    " + l + "\n";
    }
    return out;
  }
};
}  // namespace Catch
