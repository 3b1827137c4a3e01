// DER building blocks shared by cms, tsp and ocsp.
#include <sign/asn1.hpp>
#include <sign/error.hpp>

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
  Bytes out;
  Botan::DER_Encoder(out).encode(Botan::OID(std::string(dotted)));
  return out;
}

std::string oid_from_der(ByteView tlv) {
  try {
    Botan::OID oid;
    Botan::BER_Decoder(tlv.data(), tlv.size()).decode(oid).verify_end();
    return oid.to_string();
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("malformed object identifier: ") + e.what());
  }
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
