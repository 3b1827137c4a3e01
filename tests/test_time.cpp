// Time over the whole range X.509 and CMS can express: parsed, compared, printed and encoded
// without overflow (a nanosecond clock ends in 2262; times past it used to wrap to 1715).
#include <catch2/catch.hpp>

#include <sign/asn1.hpp>
#include <sign/error.hpp>

#include "hostile_pki.hpp"

using namespace testing;

TEST_CASE("Times round-trip from 1950 to 9999, the no-expiry value included", "[time]") {
  for (const std::string t : {"1950-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2049-12-31T23:59:59Z",
                              "2050-01-01T00:00:00Z", "2262-04-12T00:00:00Z", "2300-01-01T00:00:00Z",
                              "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"}) {
    INFO(t);
    const auto tp = sign::parse_time(t);
    CHECK(sign::format_time(tp) == t);
    CHECK(sign::decode_der_time(sign::generalized_time_der(tp)) == tp);
    const auto x509 = sign::x509_time_der(tp);
    CHECK(sign::decode_der_time(x509) == tp);
    const int year = std::stoi(t.substr(0, 4));
    CHECK(x509[0] == ((year >= 1950 && year <= 2049) ? 0x17 : 0x18));  // RFC 5280 §4.1.2.5
  }
  // Order holds across the old 2262 limit.
  CHECK(sign::parse_time("2300-01-01") > sign::parse_time("2262-04-12"));
  CHECK(sign::parse_time("9999-12-31T23:59:59Z") > sign::parse_time("2300-01-01"));
  // RFC 5280's no-expiry value and UTCTime's century rule.
  const sign::Bytes no_expiry{0x18, 0x0f, '9', '9', '9', '9', '1', '2', '3', '1', '2', '3', '5', '9', '5', '9', 'Z'};
  CHECK(sign::format_time(sign::decode_der_time(no_expiry)) == "9999-12-31T23:59:59Z");
  const sign::Bytes utc49{0x17, 0x0d, '4', '9', '1', '2', '3', '1', '2', '3', '5', '9', '5', '9', 'Z'};
  const sign::Bytes utc50{0x17, 0x0d, '5', '0', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z'};
  CHECK(sign::format_time(sign::decode_der_time(utc49)) == "2049-12-31T23:59:59Z");
  CHECK(sign::format_time(sign::decode_der_time(utc50)) == "1950-01-01T00:00:00Z");
}

TEST_CASE("Out-of-range and malformed times are clear errors", "[time]") {
  for (const std::string bad : {"2026-02-30", "2026-13-01", "2026-01-01T24:00:00Z", "10000-01-01", "2026-1-1", "yesterday"})
    CHECK_THROWS_AS(sign::parse_time(bad), sign::UsageError);
  const std::vector<sign::Bytes> malformed = {
      {0x18, 0x0e, '2', '0', '2', '6', '0', '2', '3', '0', '0', '0', '0', '0', '0', 'Z'},       // 30 February
      {0x18, 0x0e, '2', '0', '2', '6', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0'},       // no Z
      {0x17, 0x0d, '2', '6', '0', '1', '0', '1', '0', '0', '0', '0', '6', '0', 'Z'},            // 60 seconds
      {0x18, 0x11, '2', '0', '2', '6', '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', '.', '0', 'Z'},  // .0
      {0x04, 0x01, 'Z'}};
  for (const auto& m : malformed) CHECK_THROWS_AS(sign::decode_der_time(m), sign::FormatError);
}

TEST_CASE("A root valid to 2300 and a certificate without expiry validate, and --at 2300 is 2300", "[time]") {
  HostilePki pki(Suite::gost256, [](CertificateTemplate& t) { t.not_after = sign::parse_time("9999-12-31T23:59:59Z"); },
                 [](CertificateTemplate& t) { t.not_after = sign::parse_time("2300-01-01"); });
  CHECK(pki.ca.not_after() == sign::parse_time("9999-12-31T23:59:59Z"));
  CHECK(pki.signer.not_after() == sign::parse_time("2300-01-01"));
  const std::string doc = "<Invoice/>";
  const auto p7s = pki.sign(doc);
  CHECK(verdict_of(pki.validate(p7s, doc).signatures.at(0)) == "TOTAL-PASSED");
  // At 2300-06-01 the signer has expired (its CA has not): not a wrap-around to 1715.
  sign::ValidateOptions at;
  at.validation_time = sign::parse_time("2300-06-01");
  const auto later = pki.validate(p7s, doc, {}, at);
  CHECK(later.signatures.at(0).validation_time == sign::parse_time("2300-06-01"));
  CHECK(verdict_of(later.signatures.at(0)) == "INDETERMINATE/OUT_OF_BOUNDS_NO_POE");
  CHECK_THAT(later.signatures.at(0).message, Catch::Contains("2300-01-01T00:00:00Z"));
}

TEST_CASE("Times with a UTC offset, as Moscow and Shanghai write them", "[time]") {
  CHECK(sign::parse_time("2026-11-25T15:00:00+03:00") == sign::parse_time("2026-11-25T12:00:00Z"));
  CHECK(sign::parse_time("2026-11-25T08:00:00+08:00") == sign::parse_time("2026-11-25T00:00:00Z"));
  CHECK(sign::parse_time("2026-11-24T20:30:00-05:30") == sign::parse_time("2026-11-25T02:00:00Z"));
  CHECK(sign::format_time(sign::parse_time("2026-01-01T01:00:00+03:00")) == "2025-12-31T22:00:00Z");
  CHECK_THROWS_AS(sign::parse_time("2026-11-25T15:00:00+15:00"), sign::UsageError);
  CHECK_THROWS_AS(sign::parse_time("2026-11-25T15:00:00+0300"), sign::UsageError);
  CHECK_THROWS_AS(sign::parse_time("0000-01-01T01:00:00+03:00"), sign::UsageError);  // before year 0000 in UTC
  CHECK(sign::parse_time("9999-12-31T23:59:59+00:00") == sign::parse_time("9999-12-31T23:59:59Z"));
}
