#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>
#include <vector>

#include "dsync/dsync_progress.hpp"

namespace roost::cli {

// `--progress` forces the display on, `--no-progress` off; without either it
// is on when stderr is a terminal.
enum class ProgressMode { kAuto, kOn, kOff };

// Removes every --progress / --no-progress from `args`; the last one wins.
ProgressMode take_progress_option(std::vector<std::string>& args);

// Whether to show progress on `fd` (kAuto: when it is a terminal).
bool progress_enabled(ProgressMode mode, int fd);

// The text of the progress line from the events of a run and the (monotonic)
// seconds at which they happened; pure. "backup: 3/10 mailboxes, 120
// messages, 1.2 MB, 0.8 MB/s, ETA 0:42". The ETA extrapolates the elapsed
// time over the planned work: mailboxes done plus the share of the current
// mailbox's planned mails; "--:--" until there is a second of history.
class ProgressLine {
 public:
  explicit ProgressLine(std::string verb) : verb_(std::move(verb)) {}
  void tree_planned(size_t mailboxes, double now);
  void mailbox_begin(size_t saves, uint64_t bytes, double now);
  void mail_copied(uint64_t bytes, double now);
  void mailbox_end(double now);
  std::string render(double now) const;

 private:
  void started(double now);
  std::string verb_;
  bool started_ = false;
  double start_ = 0;
  size_t boxes_total_ = 0, boxes_done_ = 0;
  size_t box_planned_ = 0, box_done_ = 0;
  uint64_t messages_ = 0, bytes_ = 0;
};

// Human sizes: "512 B", "1.5 kB", "12.3 MB", "2.0 GB" (powers of 1000).
std::string format_bytes(uint64_t bytes);
// "0:42", "12:05", "1:02:03".
std::string format_duration(double seconds);

// A dsync progress observer keeping one self-overwriting line ("\r", padded
// over the previous one) on a terminal, redrawn at most every
// `min_interval` seconds; finish() (or the destructor) clears it. Safe to
// call from several threads (clear() from a log writer).
class ProgressDisplay : public dsync::ProgressObserver {
 public:
  using Clock = std::function<double()>;
  ProgressDisplay(std::ostream& out, std::string verb, Clock clock = {},
                  double min_interval = 0.25);
  ~ProgressDisplay() override;
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void tree_planned(size_t mailboxes) override;
  void mailbox_begin(const std::string& name, size_t saves, uint64_t bytes) override;
  void mail_copied(uint64_t bytes) override;
  void mailbox_end(const std::string& name) override;

  // Erases the line now (e.g. before another message); the next event redraws it.
  void clear();
  // Erases the line for good.
  void finish();

 private:
  void draw(double now);
  void erase();
  std::ostream& out_;
  Clock clock_;
  double min_interval_;
  std::mutex mu_;
  ProgressLine line_;
  bool drawn_once_ = false, finished_ = false;
  double last_draw_ = 0;
  size_t shown_ = 0;  // characters on the terminal now
};

}  // namespace roost::cli
