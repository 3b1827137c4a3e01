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
  const bool date_only = str.size() == 10 && std::sscanf(str.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3;
  const bool full = !date_only && str.size() == 20 &&
                    std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) == 7 &&
                    z == 'Z';
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if ((!date_only && !full) || y < 0 || y > 9999 || !ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
    throw UsageError("time '" + str + "' must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC, a real date, years 0000-9999)");
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
}

}  // namespace sign
