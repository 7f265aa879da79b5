#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace roost {

// A per-mailbox cache of message header blocks (`roost.cache` beside the
// index), so searches on headers and header fetches don't open every mail
// file again: the role dovecot.index.cache plays for Dovecot.
//
// The file is disposable: records are framed with a CRC, a torn or corrupt
// tail is ignored (and cut off before the next append), a UIDVALIDITY change
// or a bad file header starts it over, and deleting it loses nothing.
// Entries are added as headers are read and appended in one write() per
// flush; expunged UIDs are dropped when the file is compacted.
class HeaderCache {
 public:
  // `dir` empty: a cache in memory only.
  HeaderCache(std::string dir, uint32_t uidvalidity);
  ~HeaderCache();
  HeaderCache(const HeaderCache&) = delete;
  HeaderCache& operator=(const HeaderCache&) = delete;

  std::optional<std::string_view> find(uint32_t uid);
  void add(uint32_t uid, std::string_view header);
  // Appends what add() collected; rewrites the file without the UIDs not in
  // `live_uids` when most of it is garbage. Errors are ignored: a cache
  // that can't be written is just a slower cache.
  void flush(const std::vector<uint32_t>& live_uids);

  static constexpr size_t kMaxHeader = 256 * 1024;

 private:
  void load();
  std::string path() const;

  std::string dir_;
  uint32_t uidvalidity_;
  bool loaded_ = false;
  std::string data_;           // the file as read
  size_t valid_end_ = 0;       // end of the last good record in data_
  std::unordered_map<uint32_t, std::string_view> entries_;
  std::vector<std::pair<uint32_t, std::string>> pending_;
};

}  // namespace roost
