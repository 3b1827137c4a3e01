// OCSP nonces as clients send them: the responder echoes the request's nonce extension value
// byte for byte (RFC 8954 OCTET STRING or the older bare form), and our client reads both.
#include <catch2/catch.hpp>

#include "hostile_pki.hpp"

using namespace testing;

namespace {

Bytes request_with_nonce_value(const HostilePki& pki, const Bytes& extn_value) {
  const Bytes ext = seq({sign::oid_der("1.3.6.1.5.5.7.48.1.2"), sign::der_tlv(0x04, extn_value)});
  const Bytes tbs_content = [&] {
    Bytes c = seq({seq({sign::OcspCertId::of(pki.signer, pki.ca).encode()})});
    const Bytes exts = sign::der_tlv(0xa2, seq({ext}));
    c.insert(c.end(), exts.begin(), exts.end());
    return c;
  }();
  return seq({sign::der_tlv(0x30, tbs_content)});
}

// The response's nonce extnValue, exactly.
Bytes response_nonce_value(const Bytes& response) {
  const auto resp = sign::OcspResponse::parse(response);
  const auto src = sign::memory_source(resp.tbs);
  const auto fields = sign::der_children(*src, sign::read_der_node(*src, 0, src->size()));
  const auto exts = sign::der_child(*src, fields.back(), 0);
  const auto ext = sign::der_child(*src, exts, 0);
  return sign::der_content(*src, sign::der_children(*src, ext).back());
}

}  // namespace

TEST_CASE("The OCSP responder echoes a request nonce byte for byte, in either form", "[ocsp][interop]") {
  HostilePki pki(Suite::gost256);
  sign::OcspResponder responder({pki.ca, pki.ca, pki.ca_key,
                                 [](const std::string&) {
                                   sign::OcspSingleResponse s;
                                   s.status = sign::OcspCertStatus::good;
                                   return std::optional<sign::OcspSingleResponse>(s);
                                 },
                                 std::chrono::seconds(3600)});
  const Bytes nonce{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32};
  SECTION("RFC 8954: an OCTET STRING inside extnValue") {
    const Bytes value = sign::der_tlv(0x04, nonce);
    const Bytes resp = responder.respond(request_with_nonce_value(pki, value), pki.now);
    CHECK(response_nonce_value(resp) == value);
    CHECK(sign::OcspResponse::parse(resp).nonce == nonce);
  }
  SECTION("the older bare form: the nonce bytes are the extnValue") {
    const Bytes resp = responder.respond(request_with_nonce_value(pki, nonce), pki.now);
    CHECK(response_nonce_value(resp) == nonce);  // not wrapped in another OCTET STRING
    CHECK(sign::OcspResponse::parse(resp).nonce == nonce);
  }
  SECTION("no nonce asked, none given") {
    sign::OcspRequest req;
    req.ids.push_back(sign::OcspCertId::of(pki.signer, pki.ca));
    CHECK(sign::OcspResponse::parse(responder.respond(req.encode(), pki.now)).nonce.empty());
  }
}
