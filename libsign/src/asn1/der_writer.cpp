// DER building blocks shared by cms, tsp and ocsp.
#include <sign/asn1.hpp>
#include <sign/error.hpp>

#include <limits>

#include <botan/asn1_obj.h>
#include <botan/asn1_time.h>
#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>

#include <algorithm>
#include <cstring>
#include <ctime>

namespace sign {

Bytes oid_der(std::string_view dotted) {
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

std::string oid_from_der(ByteView tlv) {
  // Decoded here rather than by Botan: every arc is checked for minimal base-128 encoding and
  // a 64-bit range, so that whatever we read can be written back exactly.
  if (tlv.size() < 3 || tlv[0] != 0x06 || tlv[1] >= 0x80 || tlv[1] + 2u != tlv.size())
    throw FormatError("malformed object identifier (not a short DER OBJECT IDENTIFIER)");
  std::string out;
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
      out = std::to_string(top) + "." + std::to_string(arc - top * 40);
      first = false;
    } else {
      out += "." + std::to_string(arc);
    }
    arc = 0;
    fresh = true;
  }
  if (!fresh) throw FormatError("malformed object identifier (truncated arc)");
  return out;
}

Bytes algorithm_der(std::string_view dotted, bool null_params) {
  Bytes content = oid_der(dotted);
  if (null_params) content.insert(content.end(), {0x05, 0x00});
  return der_tlv(0x30, content);
}

Bytes integer_der(ByteView be) {
  Bytes out;
  Botan::DER_Encoder(out).encode(Botan::BigInt(be.data(), be.size()));
  return out;
}

Bytes set_of(std::vector<Bytes> elements, std::uint8_t tag) {
  std::sort(elements.begin(), elements.end());
  Bytes content;
  for (const auto& e : elements) content.insert(content.end(), e.begin(), e.end());
  return der_tlv(tag, content);
}

Bytes set_in_order(const std::vector<Bytes>& elements, std::uint8_t tag) {
  Bytes content;
  for (const auto& e : elements) content.insert(content.end(), e.begin(), e.end());
  return der_tlv(tag, content);
}

Bytes sequence(std::initializer_list<ByteView> parts) {
  Bytes content;
  for (const auto& p : parts) content.insert(content.end(), p.begin(), p.end());
  return der_tlv(0x30, content);
}

Bytes der_content(const ByteSource& src, const DerNode& node) { return src.read_range(node.content(), node.length); }

TimePoint decode_der_time(ByteView tlv) {
  try {
    Botan::X509_Time t;
    Botan::BER_Decoder(tlv.data(), tlv.size()).decode(t).verify_end();
    return TimePoint(std::chrono::seconds(t.time_since_epoch()));
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("malformed time: ") + e.what());
  }
}

Bytes generalized_time_der(TimePoint t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
  return der_tlv(0x18, ByteView(reinterpret_cast<const std::uint8_t*>(buf), std::strlen(buf)));
}

}  // namespace sign
