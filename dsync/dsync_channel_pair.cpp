#include <condition_variable>
#include <deque>
#include <mutex>

#include "dsync/dsync_channel.hpp"
#include "lib/error.hpp"

namespace roost::dsync {
namespace {

struct Queue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Item> items;
  size_t bytes = 0;  // mail bodies queued
  bool closed = false;
  bool reader_gone = false;
};

size_t body_size(const Item& it) {
  auto* m = std::get_if<Mail>(&it);
  return m ? m->body.size() : 0;
}

class PairChannel : public Channel {
 public:
  PairChannel(std::shared_ptr<Queue> in, std::shared_ptr<Queue> out)
      : in_(std::move(in)), out_(std::move(out)) {}
  ~PairChannel() override {
    close();
    std::lock_guard lock(in_->mu);
    in_->reader_gone = true;  // a sender blocked on the flow limit gives up
    in_->cv.notify_all();
  }

  void send(Item item) override {
    std::unique_lock lock(out_->mu);
    if (limit_) out_->cv.wait(lock, [&] { return out_->bytes <= limit_ || out_->reader_gone; });
    out_->bytes += body_size(item);
    out_->items.push_back(std::move(item));
    out_->cv.notify_all();
  }
  void set_flow_limit(size_t bytes) override { limit_ = bytes; }
  Item receive() override {
    std::unique_lock lock(in_->mu);
    in_->cv.wait(lock, [&] { return !in_->items.empty() || in_->closed; });
    if (in_->items.empty())
      throw Error(kExitTempFail, "dsync: the other side ended the session early");
    Item it = std::move(in_->items.front());
    in_->items.pop_front();
    in_->bytes -= body_size(it);
    in_->cv.notify_all();
    return it;
  }
  void close() override {
    std::lock_guard lock(out_->mu);
    out_->closed = true;
    out_->cv.notify_all();
  }

 private:
  std::shared_ptr<Queue> in_, out_;
  size_t limit_ = 0;
};

}  // namespace

std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> make_channel_pair() {
  auto a = std::make_shared<Queue>(), b = std::make_shared<Queue>();
  return {std::make_unique<PairChannel>(a, b), std::make_unique<PairChannel>(b, a)};
}

}  // namespace roost::dsync
