#include <condition_variable>
#include <deque>
#include <mutex>

#include "dsync/dsync_channel.hpp"
#include "dsync/dsync_channel_spill.hpp"
#include "lib/error.hpp"

namespace roost::dsync {
namespace {

// One queued item; a mail whose body went to the spill file keeps the rest
// of its fields here and `spill_len` body bytes at `spill_off`.
struct Entry {
  Item item;
  bool spilled = false;
  uint64_t spill_off = 0;
  size_t spill_len = 0;
  size_t cost = 0;  // item_cost at send
};

// What a queued item costs beyond a mail's body: the entry and the strings
// of a list item (GUIDs, keywords). Counted against the flow limit, so a
// one-way sender's change and request lists don't pile up either.
size_t item_cost(const Item& item) {
  size_t n = sizeof(Entry);
  if (const auto* c = std::get_if<MailChange>(&item)) {
    n += c->guid.capacity() + c->hdr_hash.capacity();
    for (const auto& k : c->keyword_changes) n += sizeof k + k.capacity();
  } else if (const auto* r = std::get_if<MailRequest>(&item)) {
    n += r->guid.capacity();
  }
  return n;
}

struct Queue {
  explicit Queue(size_t bound) : memory_bound(bound) {}
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Entry> items;
  size_t bytes = 0;         // mail bodies (memory + spill file) and item costs queued
  size_t memory_bytes = 0;  // ... of which in memory
  size_t spilled = 0;       // entries whose body is in the spill file
  size_t memory_bound;
  SpillFile spill;
  bool closed = false;
  bool reader_gone = false;
};

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
    Entry e{std::move(item)};
    e.cost = item_cost(e.item);
    out_->bytes += e.cost;
    if (auto* m = std::get_if<Mail>(&e.item)) {
      size_t n = m->body.size();
      out_->bytes += n;
      // Once the bound is reached, bodies go to the file; the entry keeps
      // its place in the queue, so the order stays the sender's.
      if (n > 0 && out_->memory_bytes + n > out_->memory_bound) {
        e.spill_off = out_->spill.append(m->body);
        e.spill_len = n;
        e.spilled = true;
        std::string().swap(m->body);
        ++out_->spilled;
      } else {
        out_->memory_bytes += n;
      }
    }
    out_->items.push_back(std::move(e));
    out_->cv.notify_all();
  }
  void set_flow_limit(size_t bytes) override { limit_ = bytes; }
  Item receive() override {
    std::unique_lock lock(in_->mu);
    in_->cv.wait(lock, [&] { return !in_->items.empty() || in_->closed; });
    if (in_->items.empty())
      throw Error(kExitTempFail, "dsync: the other side ended the session early");
    Entry e = std::move(in_->items.front());
    in_->items.pop_front();
    in_->bytes -= e.cost;
    if (auto* m = std::get_if<Mail>(&e.item)) {
      if (e.spilled) {
        in_->spill.read(e.spill_off, e.spill_len, m->body);
        if (--in_->spilled == 0) in_->spill.reset();
      } else {
        in_->memory_bytes -= m->body.size();
      }
      in_->bytes -= m->body.size();
    }
    in_->cv.notify_all();
    return std::move(e.item);
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

std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> make_channel_pair(
    size_t memory_bound) {
  auto a = std::make_shared<Queue>(memory_bound), b = std::make_shared<Queue>(memory_bound);
  return {std::make_unique<PairChannel>(a, b), std::make_unique<PairChannel>(b, a)};
}

}  // namespace roost::dsync
