#include "formats/index/header_cache.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <unordered_set>

#include "lib/fsutil.hpp"

namespace roost {

namespace {
constexpr char kMagic[8] = {'R', 'C', 'A', 'C', 'H', 'E', '1', '\n'};
constexpr size_t kFileHeader = 12;  // magic + uidvalidity
constexpr size_t kRecordHeader = 12;  // uid, length, crc32

void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t get32(std::string_view d, size_t off) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(d[off + i]);
  return v;
}
uint32_t crc(std::string_view s) {
  return static_cast<uint32_t>(
      ::crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}
void append_record(std::string& out, uint32_t uid, std::string_view header) {
  put32(out, uid);
  put32(out, static_cast<uint32_t>(header.size()));
  put32(out, crc(header));
  out += header;
}
std::string file_header(uint32_t uidvalidity) {
  std::string h(kMagic, sizeof kMagic);
  put32(h, uidvalidity);
  return h;
}
}  // namespace

HeaderCache::HeaderCache(std::string dir, uint32_t uidvalidity)
    : dir_(std::move(dir)), uidvalidity_(uidvalidity) {}

HeaderCache::~HeaderCache() = default;

std::string HeaderCache::path() const { return path_join(dir_, "roost.cache"); }

void HeaderCache::load() {
  loaded_ = true;
  if (dir_.empty()) return;
  try {
    data_ = read_file_if_exists(path()).value_or("");
  } catch (...) {
    data_.clear();
  }
  std::string_view d = data_;
  if (d.size() < kFileHeader || d.substr(0, sizeof kMagic) != std::string_view(kMagic, 8) ||
      get32(d, 8) != uidvalidity_) {
    data_.clear();
    valid_end_ = 0;
    return;
  }
  size_t off = kFileHeader;
  while (off + kRecordHeader <= d.size()) {
    uint32_t uid = get32(d, off), len = get32(d, off + 4), sum = get32(d, off + 8);
    if (len > kMaxHeader || off + kRecordHeader + len > d.size()) break;
    std::string_view header = d.substr(off + kRecordHeader, len);
    if (crc(header) != sum) break;
    entries_[uid] = header;
    off += kRecordHeader + len;
  }
  valid_end_ = off;
}

std::optional<std::string_view> HeaderCache::find(uint32_t uid) {
  if (!loaded_) load();
  auto it = entries_.find(uid);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void HeaderCache::add(uint32_t uid, std::string_view header) {
  if (header.size() > kMaxHeader) return;
  if (!loaded_) load();
  pending_.emplace_back(uid, std::string(header));
}

void HeaderCache::flush(const std::vector<uint32_t>& live_uids) {
  if (dir_.empty() || pending_.empty()) {
    pending_.clear();
    return;
  }
  try {
    size_t live_bytes = 0;
    std::unordered_set<uint32_t> live(live_uids.begin(), live_uids.end());
    for (const auto& [uid, h] : entries_)
      if (live.count(uid)) live_bytes += kRecordHeader + h.size();
    bool rewrite = valid_end_ == 0 || valid_end_ > 2 * (live_bytes + kFileHeader) + 65536;
    if (rewrite) {
      // Start over (new file, other UIDVALIDITY, or mostly expunged mail):
      // live entries plus the new ones, replaced atomically.
      std::string out = file_header(uidvalidity_);
      for (const auto& [uid, h] : entries_)
        if (live.count(uid)) append_record(out, uid, h);
      for (const auto& [uid, h] : pending_) append_record(out, uid, h);
      write_file_atomic(path(), out, 0600);
    } else {
      std::string out;
      for (const auto& [uid, h] : pending_) append_record(out, uid, h);
      int fd = ::open(path().c_str(), O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        // Cut a torn tail first, so what follows stays readable.
        if (::ftruncate(fd, static_cast<off_t>(valid_end_)) == 0 &&
            ::lseek(fd, static_cast<off_t>(valid_end_), SEEK_SET) >= 0) {
          ssize_t n = ::write(fd, out.data(), out.size());
          (void)n;
        }
        ::close(fd);
      }
    }
  } catch (...) {
    // A cache that can't be written only makes the next search slower.
  }
  pending_.clear();
}

}  // namespace roost
