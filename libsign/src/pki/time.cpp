#include <sign/error.hpp>
#include <sign/pki.hpp>

#include <cstdio>
#include <ctime>

namespace sign {

std::string format_time(TimePoint t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
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
  if ((!date_only && !full) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    throw UsageError("time '" + str + "' must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace sign
