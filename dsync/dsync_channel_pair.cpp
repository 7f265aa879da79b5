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
  bool closed = false;
};

class PairChannel : public Channel {
 public:
  PairChannel(std::shared_ptr<Queue> in, std::shared_ptr<Queue> out)
      : in_(std::move(in)), out_(std::move(out)) {}
  ~PairChannel() override { close(); }

  void send(Item item) override {
    std::lock_guard lock(out_->mu);
    out_->items.push_back(std::move(item));
    out_->cv.notify_one();
  }
  Item receive() override {
    std::unique_lock lock(in_->mu);
    in_->cv.wait(lock, [&] { return !in_->items.empty() || in_->closed; });
    if (in_->items.empty())
      throw Error(kExitTempFail, "dsync: the other side ended the session early");
    Item it = std::move(in_->items.front());
    in_->items.pop_front();
    return it;
  }
  void close() override {
    std::lock_guard lock(out_->mu);
    out_->closed = true;
    out_->cv.notify_all();
  }

 private:
  std::shared_ptr<Queue> in_, out_;
};

}  // namespace

std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> make_channel_pair() {
  auto a = std::make_shared<Queue>(), b = std::make_shared<Queue>();
  return {std::make_unique<PairChannel>(a, b), std::make_unique<PairChannel>(b, a)};
}

}  // namespace roost::dsync
