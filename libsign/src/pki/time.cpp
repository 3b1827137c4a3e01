// Civil UTC time in whole seconds over std::chrono's calendar: no time_t, no struct tm, so
// nothing overflows or depends on the platform's range for years before 1970 or after 2262.
#include <sign/error.hpp>
#include <sign/pki.hpp>

#include <cstdio>

namespace sign {

TimePoint now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

std::string format_time(TimePoint t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

TimePoint parse_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string str(text);
  char z = 0;
  int offset_minutes = 0;
  const bool date_only = str.size() == 10 && std::sscanf(str.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3;
  const bool full = !date_only && str.size() == 20 &&
                    std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) == 7 &&
                    z == 'Z';
  // With a UTC offset, as people in Moscow (+03:00) and Shanghai (+08:00) write local times.
  int oh = 0, om = 0;
  char sign_char = 0, colon = 0;
  const bool offset = !date_only && !full && str.size() == 25 &&
                      std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%2d%c%2d", &y, &mo, &d, &h, &mi, &s, &sign_char,
                                  &oh, &colon, &om) == 10 &&
                      (sign_char == '+' || sign_char == '-') && colon == ':' && oh >= 0 && oh <= 14 && om >= 0 && om <= 59;
  if (offset) offset_minutes = (sign_char == '+' ? 1 : -1) * (oh * 60 + om);
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if ((!date_only && !full && !offset) || y < 0 || y > 9999 || !ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      s < 0 || s > 59)
    throw UsageError("time '" + str + "' must be YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or YYYY-MM-DDTHH:MM:SS+HH:MM "
                     "(a real date, years 0000-9999)");
  const TimePoint t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} - minutes{offset_minutes};
  if (t < sys_days{year{0} / 1 / 1} || t > sys_days{year{9999} / 12 / 31} + hours{24} - seconds{1})
    throw UsageError("time '" + str + "' is outside the years 0000-9999 in UTC");
  return t;
}

}  // namespace sign
