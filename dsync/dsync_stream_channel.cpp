#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "dsync/dsync_channel.hpp"
#include "dsync/dsync_channel_spill.hpp"
#include "dsync/dsync_wire.hpp"
#include "lib/error.hpp"

namespace roost::dsync {
namespace {

class StreamChannel : public Channel {
 public:
  StreamChannel(int in_fd, int out_fd, bool own, size_t memory_bound)
      : in_(in_fd),
        out_(out_fd),
        own_(own),
        memory_bound_(memory_bound),
        writer_([this] { write_loop(); }) {
    // A peer that went away must be a write error (then exit code 75), not
    // a SIGPIPE that kills the process without a word.
    ::signal(SIGPIPE, SIG_IGN);
    enqueue(encode_preamble());
  }
  ~StreamChannel() override {
    close();
    writer_.join();
    if (own_) {
      ::close(in_);
      if (out_ != in_ && !out_closed_) ::close(out_);
    }
  }

  void send(Item item) override { enqueue(encode_item(item)); }
  void set_flow_limit(size_t bytes) override {
    std::lock_guard lock(mu_);
    limit_ = bytes;
  }

  Item receive() override {
    while (true) {
      if (auto it = decoder_.next()) {
        if (std::holds_alternative<Skipped>(*it)) continue;
        return std::move(*it);
      }
      char buf[65536];
      ssize_t n = ::read(in_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno("dsync: cannot read from", "the peer");
      if (n == 0) throw Error(kExitTempFail, "dsync: the peer closed the connection early");
      decoder_.feed(std::string_view(buf, static_cast<size_t>(n)));
    }
  }

  void close() override {
    std::lock_guard lock(mu_);
    closing_ = true;
    cv_.notify_all();
  }

 private:
  void enqueue(std::string bytes) {
    std::unique_lock lock(mu_);
    if (limit_) cv_.wait(lock, [&] { return queued_ <= limit_ || write_error_; });
    if (write_error_) throw Error(kExitTempFail, "dsync: cannot write to the peer");
    queued_ += bytes.size();
    Chunk c;
    // Beyond the bound (the peer isn't reading: it sends its own mails
    // first), the bytes wait in the spill file; their place in the queue
    // keeps the order.
    if (memory_queued_ + bytes.size() > memory_bound_) {
      c.spill_off = spill_.append(bytes);
      c.spill_len = bytes.size();
      c.spilled = true;
      ++spilled_;
    } else {
      memory_queued_ += bytes.size();
      c.bytes = std::move(bytes);
    }
    queue_.push_back(std::move(c));
    cv_.notify_all();
  }

  // Moves the queue's next bytes (at most about kWriteChunk) into `out`.
  // Called with mu_ held.
  void take(std::string& out) {
    while (!queue_.empty() && out.size() < kWriteChunk) {
      Chunk& c = queue_.front();
      if (!c.spilled) {
        out += c.bytes;
        queued_ -= c.bytes.size();
        memory_queued_ -= c.bytes.size();
        queue_.pop_front();
        continue;
      }
      // A spilled item is read back in pieces: one big mail never comes
      // back into memory whole.
      size_t n = std::min(c.spill_len, kWriteChunk - out.size());
      spill_.read(c.spill_off, n, out);
      c.spill_off += n;
      c.spill_len -= n;
      queued_ -= n;
      if (c.spill_len == 0) {
        queue_.pop_front();
        if (--spilled_ == 0) spill_.reset();
      }
    }
  }

  void write_loop() {
    while (true) {
      std::string chunk;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
        if (queue_.empty()) break;
        // Coalesce small items into one write.
        try {
          take(chunk);
        } catch (const Error&) {
          write_error_ = true;  // the spill file failed: the sender's next send() says so
          queue_.clear();
          queued_ = memory_queued_ = 0;
          cv_.notify_all();
          return;
        }
        cv_.notify_all();
      }
      size_t off = 0;
      while (off < chunk.size()) {
        ssize_t n = ::write(out_, chunk.data() + off, chunk.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          std::lock_guard lock(mu_);
          write_error_ = true;
          queue_.clear();
          queued_ = memory_queued_ = 0;
          cv_.notify_all();
          return;
        }
        off += static_cast<size_t>(n);
      }
    }
    // Half-close so the peer sees EOF once everything was written.
    if (own_ && out_ != in_) {
      ::close(out_);
      out_closed_ = true;
    } else if (own_) {
      ::shutdown(out_, SHUT_WR);
    }
  }

  int in_, out_;
  bool own_;
  bool out_closed_ = false;
  WireDecoder decoder_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Queued bytes: in memory, or (beyond memory_bound_) in the spill file.
  struct Chunk {
    std::string bytes;
    bool spilled = false;
    uint64_t spill_off = 0;
    size_t spill_len = 0;
  };
  static constexpr size_t kWriteChunk = 262144;
  std::deque<Chunk> queue_;
  SpillFile spill_;
  size_t spilled_ = 0;        // chunks (partly) in the spill file
  size_t memory_queued_ = 0;  // of queued_, bytes in memory
  size_t memory_bound_;
  bool closing_ = false;
  bool write_error_ = false;
  size_t queued_ = 0;  // bytes waiting for the writer
  size_t limit_ = 0;
  std::thread writer_;  // last: started after every member above exists
};

}  // namespace

std::unique_ptr<Channel> make_stream_channel(int in_fd, int out_fd, bool own_fds,
                                             size_t memory_bound) {
  return std::make_unique<StreamChannel>(in_fd, out_fd, own_fds, memory_bound);
}

}  // namespace roost::dsync
