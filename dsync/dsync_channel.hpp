#pragma once
#include <cstddef>
#include <memory>
#include <utility>

#include "dsync/dsync_channel_spill.hpp"
#include "dsync/dsync_item.hpp"

namespace roost::dsync {

// How a brain talks to the other brain. Both implementations carry the same
// items: an in-process pair (tests, local syncs) and a byte stream in
// Dovecot's wire format (pipes, tcp, ssh).
//
// Memory stays flat whatever is queued: beyond `memory_bound` bytes the
// queue goes on in an unlinked spill file (dsync_channel_spill.hpp) and is
// delivered from there in order, so two sides that both send a whole
// mailbox before reading the other's never hold it in RAM.
class Channel {
 public:
  virtual ~Channel() = default;
  // Queues the item. Blocks only while more than the flow limit is queued.
  virtual void send(Item item) = 0;
  // Bounds what send() lets pile up unread (0 = unbounded, the default; the
  // queue then spills to disk). Only safe when the peer reads while this side
  // sends: a one-way transfer (backup), never two sides sending big lists at
  // the same time.
  virtual void set_flow_limit(size_t bytes) = 0;
  // Blocks until the peer's next item. Throws Error(kExitTempFail) when the
  // peer went away.
  virtual Item receive() = 0;
  // No more items from this side (the peer's receive() fails after the rest).
  virtual void close() = 0;
};

// Two connected in-process channels.
std::pair<std::unique_ptr<Channel>, std::unique_ptr<Channel>> make_channel_pair(
    size_t memory_bound = kChannelMemoryBound);

// A channel over file descriptors (a pipe pair, socket, ssh's stdin/out):
// items are serialized with the dsync wire format by a writer thread so
// that two peers both sending large lists never block each other.
// `in_fd`/`out_fd` are not closed by the channel unless `own_fds`.
std::unique_ptr<Channel> make_stream_channel(int in_fd, int out_fd, bool own_fds,
                                             size_t memory_bound = kChannelMemoryBound);

}  // namespace roost::dsync
