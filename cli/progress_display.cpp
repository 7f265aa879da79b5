#include "cli/progress_display.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace roost::cli {

ProgressMode take_progress_option(std::vector<std::string>& args) {
  ProgressMode mode = ProgressMode::kAuto;
  std::vector<std::string> kept;
  bool positional = false;  // after "--" everything is an argument
  for (auto& a : args) {
    if (!positional && a == "--progress")
      mode = ProgressMode::kOn;
    else if (!positional && a == "--no-progress")
      mode = ProgressMode::kOff;
    else {
      positional = positional || a == "--";
      kept.push_back(std::move(a));
    }
  }
  args = std::move(kept);
  return mode;
}

bool progress_enabled(ProgressMode mode, int fd) {
  if (mode == ProgressMode::kAuto) return ::isatty(fd) == 1;
  return mode == ProgressMode::kOn;
}

std::string format_bytes(uint64_t bytes) {
  static const char* const units[] = {"kB", "MB", "GB", "TB", "PB"};
  if (bytes < 1000) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes) / 1000;
  size_t u = 0;
  while (v >= 999.95 && u + 1 < std::size(units)) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string format_duration(double seconds) {
  auto s = static_cast<uint64_t>(std::llround(std::max(0.0, seconds)));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60),
                  static_cast<unsigned long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  return buf;
}

void ProgressLine::started(double now) {
  if (started_) return;
  started_ = true;
  start_ = now;
}

void ProgressLine::tree_planned(size_t mailboxes, double now) {
  started(now);
  // A further pass (re-syncing what changed meanwhile) counts its own mailboxes.
  boxes_total_ = mailboxes;
  boxes_done_ = 0;
  box_planned_ = box_done_ = 0;
}

void ProgressLine::mailbox_begin(size_t saves, uint64_t, double now) {
  started(now);
  box_planned_ = saves;
  box_done_ = 0;
}

void ProgressLine::mail_copied(uint64_t bytes, double now) {
  started(now);
  ++messages_;
  ++box_done_;
  bytes_ += bytes;
}

void ProgressLine::mailbox_end(double now) {
  started(now);
  ++boxes_done_;
  box_planned_ = box_done_ = 0;
}

std::string ProgressLine::render(double now) const {
  double elapsed = started_ ? now - start_ : 0;
  std::string s = verb_ + ": " + std::to_string(boxes_done_) + "/" + std::to_string(boxes_total_) +
                  " mailboxes, " + std::to_string(messages_) +
                  (messages_ == 1 ? " message, " : " messages, ") + format_bytes(bytes_);
  if (elapsed > 0) s += ", " + format_bytes(static_cast<uint64_t>(bytes_ / elapsed)) + "/s";
  double done = 0;
  if (boxes_total_) {
    double box = box_planned_ ? std::min(1.0, double(box_done_) / double(box_planned_)) : 0;
    done = std::min(1.0, (double(boxes_done_) + box) / double(boxes_total_));
  }
  if (elapsed >= 1 && done > 0)
    s += ", ETA " + format_duration(elapsed * (1 - done) / done);
  else
    s += ", ETA --:--";
  return s;
}

namespace {
double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ProgressDisplay::ProgressDisplay(std::ostream& out, std::string verb, Clock clock,
                                 double min_interval)
    : out_(out),
      clock_(clock ? std::move(clock) : Clock(steady_seconds)),
      min_interval_(min_interval),
      line_(std::move(verb)) {}

ProgressDisplay::~ProgressDisplay() {
  try {
    finish();
  } catch (...) {
  }
}

void ProgressDisplay::tree_planned(size_t mailboxes) {
  std::lock_guard lock(mu_);
  double now = clock_();
  line_.tree_planned(mailboxes, now);
  draw(now);
}

void ProgressDisplay::mailbox_begin(const std::string&, size_t saves, uint64_t bytes) {
  std::lock_guard lock(mu_);
  double now = clock_();
  line_.mailbox_begin(saves, bytes, now);
  draw(now);
}

void ProgressDisplay::mail_copied(uint64_t bytes) {
  std::lock_guard lock(mu_);
  double now = clock_();
  line_.mail_copied(bytes, now);
  draw(now);
}

void ProgressDisplay::mailbox_end(const std::string&) {
  std::lock_guard lock(mu_);
  double now = clock_();
  line_.mailbox_end(now);
  draw(now);
}

void ProgressDisplay::draw(double now) {
  if (finished_) return;
  if (drawn_once_ && now - last_draw_ < min_interval_) return;
  drawn_once_ = true;
  last_draw_ = now;
  std::string text = line_.render(now);
  out_ << '\r' << text;
  if (text.size() < shown_) out_ << std::string(shown_ - text.size(), ' ') << '\r' << text;
  out_.flush();
  shown_ = text.size();
}

void ProgressDisplay::erase() {
  if (!shown_) return;
  out_ << '\r' << std::string(shown_, ' ') << '\r';
  out_.flush();
  shown_ = 0;
}

void ProgressDisplay::clear() {
  std::lock_guard lock(mu_);
  erase();
}

void ProgressDisplay::finish() {
  std::lock_guard lock(mu_);
  erase();
  finished_ = true;
}

}  // namespace roost::cli
