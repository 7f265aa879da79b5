#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roost {

// Reads a whole (small) file. Throws roost::Error naming the path on failure.
std::string read_file(const std::string& path);
// Like read_file, but nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::string& path);

// Crash-safe replace: writes `data` to a temp file beside `path`, fsyncs it,
// renames it over `path` and fsyncs the directory. A kill at any instant
// leaves either the old or the new content, never a mix.
void write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0600);

// Writes all of `data` to `fd` (retrying short writes and EINTR); errors
// name `path`.
void write_all(int fd, std::string_view data, const std::string& path);

// Writes all of `data` at `offset` (pwrite; short writes and EINTR
// retried); errors name `path`.
void pwrite_all(int fd, std::string_view data, uint64_t offset, const std::string& path);

// Everything from `offset` to the end of `fd` (pread; EINTR retried);
// errors name `path`.
std::string pread_to_end(int fd, uint64_t offset, const std::string& path);

// Owns an open file descriptor: closed when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd();
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void fsync_path(const std::string& path);
void fsync_dir(const std::string& dir);

// mkdir -p; returns true when something was created.
bool make_dirs(const std::string& path, unsigned mode = 0700);
bool path_exists(const std::string& path);
bool is_dir(const std::string& path);
// Names in a directory, without "." and ".."; empty when it doesn't exist.
std::vector<std::string> list_dir(const std::string& path);
// rm -rf.
void remove_tree(const std::string& path);

std::string path_join(std::string_view a, std::string_view b);
std::string dirname_of(std::string_view path);
std::string basename_of(std::string_view path);

// Short host name, with '/' and ':' replaced so it is safe in file names.
std::string safe_hostname();

}  // namespace roost
