#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "dsync/dsync_channel.hpp"
#include "dsync/dsync_wire.hpp"
#include "lib/error.hpp"

namespace roost::dsync {
namespace {

class StreamChannel : public Channel {
 public:
  StreamChannel(int in_fd, int out_fd, bool own)
      : in_(in_fd), out_(out_fd), own_(own), writer_([this] { write_loop(); }) {
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
    queue_.push_back(std::move(bytes));
    cv_.notify_all();
  }

  void write_loop() {
    while (true) {
      std::string chunk;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
        if (queue_.empty()) break;
        // Coalesce small items into one write.
        while (!queue_.empty() && chunk.size() < 262144) {
          chunk += queue_.front();
          queued_ -= queue_.front().size();
          queue_.pop_front();
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
          queued_ = 0;
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
  std::deque<std::string> queue_;
  bool closing_ = false;
  bool write_error_ = false;
  size_t queued_ = 0;  // bytes waiting for the writer
  size_t limit_ = 0;
  std::thread writer_;  // last: started after every member above exists
};

}  // namespace

std::unique_ptr<Channel> make_stream_channel(int in_fd, int out_fd, bool own_fds) {
  return std::make_unique<StreamChannel>(in_fd, out_fd, own_fds);
}

}  // namespace roost::dsync
