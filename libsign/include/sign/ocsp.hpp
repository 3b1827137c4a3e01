// The ocsp module: RFC 6960 requests and responses, a responder answering from a CA's store
// with a delegated responder certificate, and a client used by validation.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/crypto.hpp>
#include <sign/pki.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sign {

/// CertID: which certificate a request or response is about.
struct OcspCertId {
  std::string hash_oid;  ///< SHA-1 (what openssl sends) or SHA-256
  Bytes issuer_name_hash, issuer_key_hash, serial;
  /// CertID for a certificate issued by `issuer`.
  static OcspCertId of(const Certificate& cert, const Certificate& issuer,
                       DigestAlgorithm alg = DigestAlgorithm::sha1);
  /// True when this CertID names `cert` issued by `issuer` (whatever hash it uses).
  bool matches(const Certificate& issuer, const Bytes& serial) const;
  Bytes encode() const;
};

struct OcspRequest {
  std::vector<OcspCertId> ids;
  Bytes nonce;  ///< empty when absent
  /// The nonce extension's extnValue as received (RFC 8954 OCTET STRING, or the bare bytes
  /// older clients send): a responder echoes it byte for byte.
  Bytes nonce_extension_value;
  static OcspRequest parse(ByteView der);
  Bytes encode() const;
};

enum class OcspCertStatus { good, revoked, unknown };
std::string_view ocsp_status_name(OcspCertStatus s);

struct OcspSingleResponse {
  OcspCertId id;
  OcspCertStatus status = OcspCertStatus::unknown;
  std::optional<TimePoint> revocation_time;
  std::optional<RevocationReason> reason;
  TimePoint this_update{};
  std::optional<TimePoint> next_update;
};

/// A parsed OCSPResponse (basic).
struct OcspResponse {
  int response_status = 6;  ///< 0 successful, 1 malformedRequest, 2 internalError, 3 tryLater, 5 sigRequired, 6 unauthorized
  Bytes der;
  Bytes basic_der;         ///< the BasicOCSPResponse (what CAdES revocation-values carry)
  Bytes responder_id_der;  ///< ResponderID as encoded ([1] byName or [2] byKey)
  Bytes tbs, signature;
  std::string signature_oid;
  TimePoint produced_at{};
  Bytes nonce;
  std::vector<OcspSingleResponse> responses;
  std::vector<Certificate> certificates;
  static OcspResponse parse(ByteView der);
  /// Wraps a BasicOCSPResponse (from CAdES revocation-values) as a successful OCSPResponse.
  static Bytes wrap_basic(ByteView basic_der);
  /// The responder certificate that signed this response (delegated, carrying OCSPSigning
  /// and issued by `issuer`, or the issuer itself), or nullopt when the signature does not verify.
  std::optional<Certificate> verify_signer(const Certificate& issuer) const;
};

/// Answers requests for the certificates of one CA.
class OcspResponder {
 public:
  struct Config {
    Certificate issuer;            ///< the CA whose certificates are answered for
    Certificate responder_cert;    ///< delegated (OCSPSigning) or the CA itself
    PrivateKey responder_key;
    /// Status lookup by serial (hex): nullopt = unknown to this CA.
    std::function<std::optional<OcspSingleResponse>(const std::string& serial_hex)> lookup;
    std::chrono::seconds validity{3600};  ///< nextUpdate - thisUpdate; 0 = no nextUpdate
  };
  explicit OcspResponder(Config config);
  /// DER OCSPResponse for a DER OCSPRequest (malformed requests get malformedRequest).
  Bytes respond(ByteView request_der, TimePoint now) const;

 private:
  Config config_;
};

/// An OCSP status query over HTTP POST (timeout bounded); throws IoError when unreachable.
Bytes ocsp_http_query(const std::string& url, const Bytes& request_der, std::chrono::seconds timeout);

}  // namespace sign
