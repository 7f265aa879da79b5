#include "formats/mbox/mbox_from.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

namespace roost {

namespace {

constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int month_index(std::string_view s) {
  if (s.size() < 3) return -1;
  for (int i = 0; i < 12; ++i) {
    const char* m = kMonths[i];
    if (std::tolower(static_cast<unsigned char>(s[0])) == std::tolower(m[0]) &&
        std::tolower(static_cast<unsigned char>(s[1])) == m[1] &&
        std::tolower(static_cast<unsigned char>(s[2])) == m[2])
      return i;
  }
  return -1;
}

bool is_weekday(std::string_view s) {
  if (s.size() < 3) return false;
  for (const char* d : kWeekdays)
    if (std::tolower(static_cast<unsigned char>(s[0])) == std::tolower(d[0]) &&
        std::tolower(static_cast<unsigned char>(s[1])) == d[1] &&
        std::tolower(static_cast<unsigned char>(s[2])) == d[2])
      return true;
  return false;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// hh:mm or hh:mm:ss
bool parse_time(std::string_view s, int& h, int& m, int& sec) {
  if (s.size() != 5 && s.size() != 8) return false;
  if (!std::isdigit(static_cast<unsigned char>(s[0])) ||
      !std::isdigit(static_cast<unsigned char>(s[1])) || s[2] != ':' ||
      !std::isdigit(static_cast<unsigned char>(s[3])) ||
      !std::isdigit(static_cast<unsigned char>(s[4])))
    return false;
  h = to_int(s.substr(0, 2));
  m = to_int(s.substr(3, 2));
  sec = 0;
  if (s.size() == 8) {
    if (s[5] != ':' || !all_digits(s.substr(6, 2))) return false;
    sec = to_int(s.substr(6, 2));
  }
  return h < 24 && m < 60 && sec <= 60;
}

bool parse_zone(std::string_view s, int& offset_secs) {
  if (s.size() != 5 || (s[0] != '+' && s[0] != '-') || !all_digits(s.substr(1))) return false;
  int v = to_int(s.substr(1, 2)) * 3600 + to_int(s.substr(3, 2)) * 60;
  offset_secs = s[0] == '-' ? -v : v;
  return true;
}

}  // namespace

std::optional<int64_t> parse_from_line(std::string_view line) {
  if (line.substr(0, 5) != "From ") return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> w;
  size_t i = 5;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t s = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > s) w.push_back(line.substr(s, i - s));
  }
  // The sender may itself contain spaces (quoted local parts): find the
  // date by looking for "<weekday> <month>" or "<weekday>, DD <month>".
  for (size_t k = 1; k < w.size(); ++k) {
    std::string_view wd = w[k];
    if (!is_weekday(wd)) continue;
    size_t j = k + 1;
    int mon = -1, day = -1;
    if (wd.size() == 4 && wd[3] == ',') {
      // "Thu, 29 Nov 2001 22:33:52"
      if (j + 1 >= w.size() || !all_digits(w[j])) continue;
      day = to_int(w[j]);
      mon = month_index(w[j + 1]);
      j += 2;
    } else if (wd.size() == 3) {
      if (j + 1 >= w.size()) continue;
      mon = month_index(w[j]);
      if (w[j].size() != 3 || !all_digits(w[j + 1])) continue;
      day = to_int(w[j + 1]);
      j += 2;
    } else {
      continue;
    }
    if (mon < 0 || day < 1 || day > 31) continue;
    int h = 0, m = 0, sec = 0, year = -1, zone = 0;
    bool have_time = false, have_zone = false;
    // time, year, zone and "remote from ..." in the orders seen in the wild
    for (; j < w.size(); ++j) {
      if (!have_time && parse_time(w[j], h, m, sec)) {
        have_time = true;
      } else if (year < 0 && all_digits(w[j]) && (w[j].size() == 4 || w[j].size() == 2)) {
        year = to_int(w[j]);
        if (w[j].size() == 2) year += year < 70 ? 2000 : 1900;
      } else if (!have_zone && parse_zone(w[j], zone)) {
        have_zone = true;
      } else if (w[j].size() >= 3 && std::isalpha(static_cast<unsigned char>(w[j][0])) &&
                 have_time && year < 0) {
        continue;  // a zone name such as "PST" before the year
      } else {
        break;
      }
    }
    if (!have_time || year < 0) continue;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    if (have_zone) return static_cast<int64_t>(timegm(&tm)) - zone;
    tm.tm_isdst = -1;
    return static_cast<int64_t>(std::mktime(&tm));
  }
  return std::nullopt;
}

std::string make_from_line(std::string_view sender, int64_t when) {
  time_t t = static_cast<time_t>(when);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %s %02d %02d:%02d:%02d %d", kWeekdays[tm.tm_wday],
                kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                tm.tm_year + 1900);
  std::string out = "From ";
  out += sender.empty() ? std::string_view("MAILER-DAEMON") : sender;
  out += "  ";
  out += buf;
  return out;
}

}  // namespace roost
