// The OCSP responder and the HTTP client.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/ocsp.hpp>

#include "io/http.hpp"
#include "pki/signature.hpp"

#include <botan/der_enc.h>


namespace sign {
namespace {

Bytes status_only(int status) { return sequence({der_tlv(0x0a, Bytes{static_cast<std::uint8_t>(status)})}); }

Bytes single_response(const OcspCertId& id, const std::optional<OcspSingleResponse>& status, TimePoint now,
                      std::chrono::seconds validity) {
  Bytes cert_status;
  if (!status || status->status == OcspCertStatus::unknown) {
    cert_status = {0x82, 0x00};
  } else if (status->status == OcspCertStatus::good) {
    cert_status = {0x80, 0x00};
  } else {
    Bytes info = generalized_time_der(*status->revocation_time);
    if (status->reason && *status->reason != RevocationReason::unspecified) {
      const Bytes reason = der_tlv(0xa0, der_tlv(0x0a, Bytes{static_cast<std::uint8_t>(*status->reason)}));
      info.insert(info.end(), reason.begin(), reason.end());
    }
    cert_status = der_tlv(0xa1, info);
  }
  // validity 0: no nextUpdate (RFC 6960 §2.4: newer information is available at any time).
  if (validity.count() == 0) return sequence({id.encode(), cert_status, generalized_time_der(now)});
  return sequence({id.encode(), cert_status, generalized_time_der(now),
                   der_tlv(0xa0, generalized_time_der(now + validity))});
}

}  // namespace

OcspResponder::OcspResponder(Config config) : config_(std::move(config)) {
  if (!(config_.responder_key.public_key() == config_.responder_cert.public_key()))
    throw UsageError("the OCSP responder key does not match its certificate");
}

Bytes OcspResponder::respond(ByteView request_der, TimePoint now) const {
  OcspRequest request;
  try {
    request = OcspRequest::parse(request_der);
  } catch (const FormatError&) {
    return status_only(1);  // malformedRequest
  }
  std::vector<Bytes> singles;
  for (const auto& id : request.ids) {
    std::optional<OcspSingleResponse> status;
    const Bytes serial = id.serial;
    if (id.matches(config_.issuer, serial)) status = config_.lookup(to_hex(serial));
    singles.push_back(single_response(id, status, now, config_.validity));
  }
  Bytes data;
  // responderID byName [1] EXPLICIT Name
  const Bytes responder_id = der_tlv(0xa1, config_.responder_cert.subject().der());
  data.insert(data.end(), responder_id.begin(), responder_id.end());
  const Bytes produced = generalized_time_der(now);
  data.insert(data.end(), produced.begin(), produced.end());
  const Bytes responses = set_in_order(singles, 0x30);
  data.insert(data.end(), responses.begin(), responses.end());
  if (!request.nonce_extension_value.empty()) {
    // Echoed byte for byte: a client compares the extension it sent with the one it gets back.
    const Bytes ext = sequence({oid_der("1.3.6.1.5.5.7.48.1.2"), der_tlv(0x04, request.nonce_extension_value)});
    const Bytes exts = der_tlv(0xa1, sequence({ext}));
    data.insert(data.end(), exts.begin(), exts.end());
  }
  const Bytes tbs = der_tlv(0x30, data);
  const Bytes signature = config_.responder_key.sign(tbs);
  Bytes sig_bits{0};
  sig_bits.insert(sig_bits.end(), signature.begin(), signature.end());
  const auto alg = detail::signature_algorithm(config_.responder_key.suite());
  Bytes alg_der;
  Botan::DER_Encoder(alg_der).encode(alg);
  const Bytes certs = der_tlv(0xa0, sequence({config_.responder_cert.der()}));
  const Bytes basic = sequence({tbs, alg_der, der_tlv(0x03, sig_bits), certs});
  return sequence({der_tlv(0x0a, Bytes{0}),
                   der_tlv(0xa0, sequence({oid_der("1.3.6.1.5.5.7.48.1.1"), der_tlv(0x04, basic)}))});
}

Bytes ocsp_http_query(const std::string& url, const Bytes& request_der, std::chrono::seconds timeout) {
  return detail::http_post(url, request_der, "application/ocsp-request", timeout, 1024 * 1024);
}

}  // namespace sign
