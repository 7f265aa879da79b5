#include "formats/mime/date.hpp"

#include <cctype>
#include <ctime>
#include <string>

#include "lib/strutil.hpp"

namespace roost {
namespace {

struct DateLexer {
  std::string_view s;
  size_t pos = 0;
  void skip() {
    while (pos < s.size()) {
      char c = s[pos];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
        ++pos;
      } else if (c == '(') {
        int depth = 0;
        while (pos < s.size()) {
          char d = s[pos++];
          if (d == '(') ++depth;
          if (d == ')' && --depth == 0) break;
        }
      } else {
        break;
      }
    }
  }
  std::string_view token() {
    skip();
    size_t start = pos;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
    while (pos < s.size() && (std::isalnum(static_cast<unsigned char>(s[pos])))) ++pos;
    return s.substr(start, pos - start);
  }
  bool number(std::string_view t, int& v) {
    if (t.empty() || t.size() > 9) return false;
    v = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    return true;
  }
};

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};

bool zone_offset(std::string_view z, int& minutes) {
  if (z.size() == 5 && (z[0] == '+' || z[0] == '-')) {
    for (size_t i = 1; i < 5; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(z[i]))) return false;
    }
    int hh = (z[1] - '0') * 10 + (z[2] - '0');
    int mm = (z[3] - '0') * 10 + (z[4] - '0');
    minutes = hh * 60 + mm;
    if (z[0] == '-') minutes = -minutes;
    return true;
  }
  std::string u = to_upper(z);
  struct Named { const char* name; int off; };
  static const Named kNamed[] = {{"UT", 0},      {"GMT", 0},     {"UTC", 0},    {"EST", -300},
                                 {"EDT", -240},  {"CST", -360},  {"CDT", -300}, {"MST", -420},
                                 {"MDT", -360},  {"PST", -480},  {"PDT", -420}, {"Z", 0}};
  for (const auto& n : kNamed) {
    if (u == n.name) {
      minutes = n.off;
      return true;
    }
  }
  if (u.size() == 1 && u[0] >= 'A' && u[0] <= 'Z' && u[0] != 'J') {
    minutes = 0;  // military zones are unreliable; RFC 5322 says treat as -0000
    return true;
  }
  return false;
}

}  // namespace

bool parse_message_date(std::string_view value, int64_t& time, int& tz_offset_minutes) {
  DateLexer lex{value};
  std::string_view t = lex.token();
  // optional weekday
  if (t.size() >= 3 && std::isalpha(static_cast<unsigned char>(t[0]))) t = lex.token();
  int day;
  if (!lex.number(t, day) || day < 1 || day > 31) return false;
  t = lex.token();
  int mon = -1;
  if (t.size() >= 3) {
    for (int m = 0; m < 12; ++m) {
      if (iequals(t.substr(0, 3), kMonthNames[m])) mon = m;
    }
  }
  if (mon < 0) return false;
  int year;
  t = lex.token();
  if (!lex.number(t, year)) return false;
  if (t.size() <= 2) {
    year += year < 50 ? 2000 : 1900;
  } else if (t.size() == 3) {
    year += 1900;
  }
  // hh:mm[:ss]
  lex.skip();
  int hh = 0, mi = 0, ss = 0;
  auto two = [&](int& out) {
    size_t start = lex.pos;
    while (lex.pos < value.size() && std::isdigit(static_cast<unsigned char>(value[lex.pos])) &&
           lex.pos - start < 2) {
      ++lex.pos;
    }
    if (lex.pos == start) return false;
    out = 0;
    for (size_t i = start; i < lex.pos; ++i) out = out * 10 + (value[i] - '0');
    return true;
  };
  if (!two(hh)) return false;
  while (lex.pos < value.size() && value[lex.pos] == ' ') ++lex.pos;
  if (lex.pos >= value.size() || value[lex.pos] != ':') return false;
  ++lex.pos;
  while (lex.pos < value.size() && value[lex.pos] == ' ') ++lex.pos;
  if (!two(mi)) return false;
  if (lex.pos < value.size() && value[lex.pos] == ':') {
    ++lex.pos;
    if (!two(ss)) return false;
  }
  if (hh > 23 || mi > 59 || ss > 60) return false;
  int offset = 0;
  std::string_view zone = lex.token();
  if (!zone.empty() && !zone_offset(zone, offset)) offset = 0;
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mi;
  tm.tm_sec = ss;
  time = static_cast<int64_t>(timegm(&tm)) - static_cast<int64_t>(offset) * 60;
  tz_offset_minutes = offset;
  return true;
}

int64_t message_date_or_zero(std::string_view value) {
  int64_t t;
  int tz;
  return parse_message_date(value, t, tz) ? t : 0;
}

}  // namespace roost
