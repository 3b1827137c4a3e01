// DER building blocks shared by cms, tsp and ocsp.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/pki.hpp>

#include "support/per_thread_memo.hpp"

#include <limits>

#include <botan/asn1_obj.h>
#include <botan/asn1_time.h>
#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>

namespace sign {

namespace {

Bytes encode_oid(std::string_view dotted);

}  // namespace

Bytes oid_der(std::string_view dotted) {
  // A signature encodes the same dozen OIDs every time: remembered per thread.
  thread_local detail::PerThreadMemo<Bytes, 256> memo;
  return memo.get(dotted, [&] { return encode_oid(dotted); });
}

namespace {

Bytes encode_oid(std::string_view dotted) {
  // Our own encoder, the exact inverse of oid_from_der (Botan 2.19 cannot encode every OID it
  // or we can read, e.g. 2.16304).
  std::vector<std::uint64_t> arcs;
  std::size_t pos = 0;
  while (pos <= dotted.size()) {
    const std::size_t dot = std::min(dotted.find('.', pos), dotted.size());
    const std::string_view part = dotted.substr(pos, dot - pos);
    if (part.empty() || part.size() > 19 || part.find_first_not_of("0123456789") != std::string_view::npos ||
        (part.size() > 1 && part[0] == '0'))
      throw FormatError("'" + std::string(dotted) + "' is not a dotted object identifier");
    arcs.push_back(std::stoull(std::string(part)));
    pos = dot + 1;
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) ||
      arcs[1] > std::numeric_limits<std::uint64_t>::max() - 80)
    throw FormatError("'" + std::string(dotted) + "' is not a valid object identifier");
  Bytes content;
  auto put = [&](std::uint64_t v) {
    std::uint8_t tmp[10];
    int n = 0;
    do tmp[n++] = static_cast<std::uint8_t>(v & 0x7f);
    while (v >>= 7);
    while (n--) content.push_back(static_cast<std::uint8_t>(tmp[n] | (n ? 0x80 : 0)));
  };
  put(arcs[0] * 40 + arcs[1]);
  for (std::size_t i = 2; i < arcs.size(); ++i) put(arcs[i]);
  if (content.size() > 127) throw FormatError("object identifier '" + std::string(dotted) + "' is too long");
  return der_tlv(0x06, content);
}

}  // namespace

std::string oid_from_der(ByteView tlv) {
  // Decoded here rather than by Botan: every arc is checked for minimal base-128 encoding and
  // a 64-bit range, so that whatever we read can be written back exactly.
  if (tlv.size() < 3 || tlv[0] != 0x06 || tlv[1] >= 0x80 || tlv[1] + 2u != tlv.size())
    throw FormatError("malformed object identifier (not a short DER OBJECT IDENTIFIER)");
  // Written into a buffer on the stack and made a string once (a signature has a dozen OIDs).
  char text[24 * 64];
  std::size_t used = 0;
  auto put = [&](std::uint64_t value) {
    if (used + 22 > sizeof text) throw FormatError("malformed object identifier (too many arcs)");
    if (used) text[used++] = '.';
    used = static_cast<std::size_t>(std::to_chars(text + used, text + sizeof text, value).ptr - text);
  };
  std::uint64_t arc = 0;
  bool first = true, fresh = true;
  for (std::size_t i = 2; i < tlv.size(); ++i) {
    const std::uint8_t b = tlv[i];
    if (fresh && b == 0x80) throw FormatError("malformed object identifier (non-minimal arc)");
    if (arc > (std::numeric_limits<std::uint64_t>::max() >> 7))
      throw FormatError("malformed object identifier (arc too large)");
    arc = (arc << 7) | (b & 0x7f);
    fresh = false;
    if (b & 0x80) continue;
    if (first) {
      const std::uint64_t top = arc < 40 ? 0 : arc < 80 ? 1 : 2;
      put(top);
      put(arc - top * 40);
      first = false;
    } else {
      put(arc);
    }
    arc = 0;
    fresh = true;
  }
  if (!fresh) throw FormatError("malformed object identifier (truncated arc)");
  return std::string(text, used);
}

Bytes algorithm_der(std::string_view dotted, bool null_params) {
  Bytes content = oid_der(dotted);
  if (null_params) content.insert(content.end(), {0x05, 0x00});
  return der_tlv(0x30, content);
}

Bytes integer_der(ByteView be) {
  // Minimal two's complement of a non-negative number: no leading zero octets, one 00 in front
  // when the first remaining octet has its top bit set; zero is 02 01 00.
  std::size_t first = 0;
  while (first < be.size() && be[first] == 0) ++first;
  const ByteView magnitude = be.subspan(first);
  if (magnitude.empty()) return Bytes{0x02, 0x01, 0x00};
  if (magnitude[0] & 0x80) {
    static constexpr std::uint8_t kZero[1] = {0x00};
    return der_tlv(0x02, {ByteView(kZero), magnitude});
  }
  return der_tlv(0x02, magnitude);
}

namespace {

template <class Elements, class Get>
std::size_t contents_length(const Elements& elements, Get get) {
  std::size_t length = 0;
  for (const auto& e : elements) length += get(e).size();
  return length;
}

// A constructed TLV of `elements` in the given order, appended to `out`.
template <class Elements, class Get>
void append_constructed(Bytes& out, std::uint8_t tag, const Elements& elements, Get get) {
  append_der_header(out, tag, contents_length(elements, get));
  for (const auto& e : elements) out.insert(out.end(), get(e).begin(), get(e).end());
}

// The same, written once into a buffer of its size.
template <class Elements, class Get>
Bytes constructed(std::uint8_t tag, const Elements& elements, Get get) {
  const std::size_t length = contents_length(elements, get);
  Bytes out;
  out.reserve(der_header_size(length) + length);
  append_constructed(out, tag, elements, get);
  return out;
}

const Bytes& itself(const Bytes& e) { return e; }
ByteView view_itself(ByteView e) { return e; }
const Bytes& pointee(const Bytes* e) { return *e; }

// DER orders a SET OF by its encodings (X.690 §11.6); the elements stay where they are.
std::vector<const Bytes*> in_der_order(const std::vector<Bytes>& elements) {
  std::vector<const Bytes*> order;
  order.reserve(elements.size());
  for (const auto& e : elements) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Bytes* a, const Bytes* b) { return *a < *b; });
  return order;
}

}  // namespace

Bytes set_of(std::vector<Bytes> elements, std::uint8_t tag) { return constructed(tag, in_der_order(elements), pointee); }

void append_set_of(Bytes& out, const std::vector<Bytes>& elements, std::uint8_t tag) {
  append_constructed(out, tag, in_der_order(elements), pointee);
}

Bytes set_in_order(const std::vector<Bytes>& elements, std::uint8_t tag) { return constructed(tag, elements, itself); }

std::size_t set_in_order_size(const std::vector<Bytes>& elements) {
  const std::size_t length = contents_length(elements, itself);
  return der_header_size(length) + length;
}

void append_set_in_order(Bytes& out, const std::vector<Bytes>& elements, std::uint8_t tag) {
  append_constructed(out, tag, elements, itself);
}

std::size_t set_in_order_size(const std::vector<ByteView>& elements) {
  const std::size_t length = contents_length(elements, view_itself);
  return der_header_size(length) + length;
}

void append_set_in_order(Bytes& out, const std::vector<ByteView>& elements, std::uint8_t tag) {
  append_constructed(out, tag, elements, view_itself);
}

Bytes sequence(std::initializer_list<ByteView> parts) { return der_tlv(0x30, parts); }

Bytes der_content(const ByteSource& src, const DerNode& node) { return src.read_range(node.content(), node.length); }

// UTCTime (YYMMDDHHMMSSZ; RFC 5280 §4.1.2.5.1: YY < 50 is 20YY) and GeneralizedTime
// (YYYYMMDDHHMMSS[.f...]Z; fractions only where RFC 3161 allows them, and dropped), read
// with the calendar of std::chrono: every year 0000-9999 (99991231235959Z included).
TimePoint decode_der_time(ByteView tlv) {
  if (tlv.size() < 2 || (tlv[0] != 0x17 && tlv[0] != 0x18) || tlv[1] >= 0x80 || tlv[1] + 2u != tlv.size())
    throw FormatError("malformed time: not a DER UTCTime or GeneralizedTime");
  const bool utc = tlv[0] == 0x17;
  const std::string_view text(reinterpret_cast<const char*>(tlv.data()) + 2, tlv.size() - 2);
  const std::size_t digits = utc ? 12 : 14;
  if (text.size() < digits + 1 || text.back() != 'Z')
    throw FormatError("malformed time '" + std::string(text) + "': DER times are in UTC and end with Z");
  auto number = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') throw FormatError("malformed time '" + std::string(text) + "'");
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  std::size_t i = 0;
  int y = utc ? number(0, 2) : number(0, 4);
  if (utc) y += y < 50 ? 2000 : 1900;
  i = utc ? 2 : 4;
  const int mo = number(i, 2), d = number(i + 2, 2), h = number(i + 4, 2), mi = number(i + 6, 2), sec = number(i + 8, 2);
  const std::string_view rest = text.substr(digits, text.size() - digits - 1);
  if (!rest.empty()) {
    // GeneralizedTime fractions: ".d+" with no trailing zero (X.690 §11.7).
    if (utc || rest.size() < 2 || rest[0] != '.' || rest.back() == '0' ||
        rest.substr(1).find_first_not_of("0123456789") != std::string_view::npos)
      throw FormatError("malformed time '" + std::string(text) + "'");
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59)
    throw FormatError("malformed time '" + std::string(text) + "': no such date or time");
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
}

namespace {

// YYYYMMDDHHMMSSZ of `t` (whole seconds, UTC) with the calendar of std::chrono; every
// signature writes one, so no text formatting and no time-zone library in between.
std::array<std::uint8_t, 15> generalized_digits(TimePoint t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{seconds - day};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999)
    throw UsageError("time " + format_time(t) + " is outside GeneralizedTime's years 0000-9999");
  std::array<std::uint8_t, 15> out{};
  auto put = [&](std::size_t at, unsigned value, std::size_t digits) {
    for (std::size_t i = digits; i-- > 0; value /= 10) out[at + i] = static_cast<std::uint8_t>('0' + value % 10);
  };
  put(0, static_cast<unsigned>(year), 4);
  put(4, static_cast<unsigned>(ymd.month()), 2);
  put(6, static_cast<unsigned>(ymd.day()), 2);
  put(8, static_cast<unsigned>(hms.hours().count()), 2);
  put(10, static_cast<unsigned>(hms.minutes().count()), 2);
  put(12, static_cast<unsigned>(hms.seconds().count()), 2);
  out[14] = 'Z';
  return out;
}

}  // namespace

Bytes x509_time_der(TimePoint t) {
  const auto g = generalized_digits(t);
  const int year = (g[0] - '0') * 1000 + (g[1] - '0') * 100 + (g[2] - '0') * 10 + (g[3] - '0');
  if (year < 1950 || year > 2049) return der_tlv(0x18, ByteView(g.data(), g.size()));
  return der_tlv(0x17, ByteView(g.data() + 2, g.size() - 2));  // UTCTime: the century dropped
}

Bytes generalized_time_der(TimePoint t) {
  const auto g = generalized_digits(t);
  return der_tlv(0x18, ByteView(g.data(), g.size()));
}

}  // namespace sign
