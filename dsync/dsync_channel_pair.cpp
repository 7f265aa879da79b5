#include <condition_variable>
#include <deque>
#include <mutex>

#include "dsync/dsync_channel.hpp"
#include "dsync/dsync_channel_spill.hpp"
#include "dsync/dsync_wire.hpp"
#include "lib/error.hpp"

namespace roost::dsync {
namespace {

// One queued item; a mail whose body went to the spill file keeps the rest
// of its fields here and `spill_len` body bytes at `spill_off`; any other
// item beyond the bound is there whole, in the wire format (`encoded`).
// The item itself lives on the heap only while it is in memory: an entry
// of a spilled change list is these few bytes (an Item is ~200).
struct Entry {
  std::unique_ptr<Item> item;
  bool spilled = false;
  bool encoded = false;
  uint64_t spill_off = 0;
  size_t spill_len = 0;
  size_t cost = 0;  // item_cost at send
};

// What a queued item costs beyond a mail's body: the entry and the strings
// of a list item (GUIDs, keywords). Counted against the flow limit, so a
// one-way sender's change and request lists don't pile up either.
size_t item_cost(const Item& item) {
  size_t n = sizeof(Entry) + sizeof(Item);
  if (const auto* c = std::get_if<MailChange>(&item)) {
    n += c->guid.capacity() + c->hdr_hash.capacity();
    for (const auto& k : c->keyword_changes) n += sizeof k + k.capacity();
  } else if (const auto* r = std::get_if<MailRequest>(&item)) {
    n += r->guid.capacity();
  }
  return n;
}

// The items that come by the thousand (per mail or mailbox).
bool is_list_item(const Item& item) {
  return std::holds_alternative<MailChange>(item) || std::holds_alternative<MailRequest>(item) ||
         std::holds_alternative<TreeNode>(item) ||
         std::holds_alternative<MailboxAttributeItem>(item);
}

struct Queue {
  explicit Queue(size_t bound) : memory_bound(bound) {}
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Entry> items;
  size_t bytes = 0;         // mail bodies (memory + spill file) and item costs queued
  size_t memory_bytes = 0;  // ... of which in memory
  size_t memory_items = 0;  // item costs in memory (not mails' bodies)
  size_t spilled = 0;       // entries whose body is in the spill file
  size_t memory_bound;
  SpillFile spill;
  // Reads the items that went to the spill file in the wire format.
  WireDecoder decoder;
  bool decoder_ready = false;
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
    Entry e{std::make_unique<Item>(std::move(item))};
    e.cost = item_cost(*e.item);
    out_->bytes += e.cost;
    if (auto* m = std::get_if<Mail>(e.item.get())) {
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
    } else if (is_list_item(*e.item) && out_->memory_items + e.cost > out_->memory_bound / 16) {
      // Two sides sending whole change lists before reading the other's
      // hold them here: beyond a sixteenth of the bound (1 MiB) they wait
      // in the file as wire lines, a few dozen bytes each.
      std::string bytes = encode_item(*e.item);
      e.spill_off = out_->spill.append(bytes);
      e.spill_len = bytes.size();
      e.spilled = e.encoded = true;
      e.item.reset();
      ++out_->spilled;
    } else {
      out_->memory_items += e.cost;
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
    if (e.encoded) {
      std::string bytes;
      in_->spill.read(e.spill_off, e.spill_len, bytes);
      if (--in_->spilled == 0) in_->spill.reset();
      if (!in_->decoder_ready) {
        in_->decoder.feed(encode_preamble());
        in_->decoder_ready = true;
      }
      in_->decoder.feed(bytes);
      std::optional<Item> it = in_->decoder.next();
      if (!it) throw Error(kExitSoftware, "dsync: a spilled item didn't decode");
      e.item = std::make_unique<Item>(std::move(*it));
    } else if (!std::holds_alternative<Mail>(*e.item)) {
      in_->memory_items -= e.cost;
    }
    if (auto* m = std::get_if<Mail>(e.item.get())) {
      if (e.spilled) {
        in_->spill.read(e.spill_off, e.spill_len, m->body);
        if (--in_->spilled == 0) in_->spill.reset();
      } else {
        in_->memory_bytes -= m->body.size();
      }
      in_->bytes -= m->body.size();
    }
    in_->cv.notify_all();
    return std::move(*e.item);
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
