#pragma once
#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "formats/dbox/dbox_metadata.hpp"

namespace roost {

class MdboxStorage;

// Where an appended message landed.
struct MdboxPlaced {
  uint32_t file_id = 0;
  uint64_t offset = 0;  // of the message header
  uint64_t size = 0;    // header + body + metadata
  uint64_t body_size = 0;
  uint64_t virtual_size = 0;
};

// Appends messages to m.* files in one storage dir. The caller holds the
// storage lock (MdboxMap::lock) for the appender's whole life, so nobody
// else appends; the m.* file is also flock()ed, which is how Dovecot's
// appenders exclude each other. Nothing is durable before flush(): the
// caller flushes, then commits the map, so a kill before the map commit
// leaves only bytes no map entry names (cut by the next appender).
class MdboxAppender {
 public:
  // `reuse_files`: saves append to the newest existing file while it is
  // below mdbox_rotate_size (and inside mdbox_rotate_interval); purge and
  // altmove write only files they create, recording them as pending first
  // through `on_new_file` (called before the file is created).
  MdboxAppender(MdboxStorage& storage, std::string dir, bool reuse_files);
  ~MdboxAppender();
  MdboxAppender(const MdboxAppender&) = delete;
  MdboxAppender& operator=(const MdboxAppender&) = delete;

  std::function<void(uint32_t file_id)> on_new_file;

  // Streams a message body from `body` and writes its metadata (V is
  // computed and set by the shared dbox writer, whose DboxBodyEncoder is
  // the seam a compressing stream would plug into).
  MdboxPlaced append(std::istream& body, DboxMetadata meta);
  // Copies one stored message verbatim (header + body + metadata block).
  MdboxPlaced append_raw(std::string_view record, uint64_t body_size);
  // fsyncs every file written and the dir; then the map may point at them.
  void flush();
  const std::vector<uint32_t>& files_created() const { return created_; }

 private:
  struct Out {
    int fd = -1;
    uint32_t file_id = 0;
    uint64_t end = 0;
  };
  void ensure_file(uint64_t incoming_size);
  void open_existing_or_new();
  void create_new();
  void close_current();
  void write_at(const std::string_view data, uint64_t at);

  MdboxStorage& storage_;
  std::string dir_;
  bool reuse_files_;
  Out cur_;
  std::vector<int> dirty_fds_;  // written, not yet fsynced (closed at flush)
  std::vector<uint32_t> created_;
  bool dir_dirty_ = false;
  bool used_any_ = false;
};

}  // namespace roost
