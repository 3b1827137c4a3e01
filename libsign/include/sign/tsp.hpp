// The tsp module: RFC 3161 time-stamp requests, responses and tokens — a TSA signing in its
// domain's suite, and token verification (message imprint, ESSCertIDv2 binding, TSA EKU).
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/cms.hpp>
#include <sign/crypto.hpp>
#include <sign/pki.hpp>

#include <optional>
#include <string>

namespace sign {

namespace oids {
inline constexpr std::string_view tst_info = "1.2.840.113549.1.9.16.1.4";
inline constexpr std::string_view signature_time_stamp = "1.2.840.113549.1.9.16.2.14";
inline constexpr std::string_view archive_time_stamp_v3 = "0.4.0.1733.2.4";
// CAdES-C and CAdES-X (ETSI TS 101 733 §6.2-6.4, EN 319 122-2).
inline constexpr std::string_view complete_certificate_refs = "1.2.840.113549.1.9.16.2.21";
inline constexpr std::string_view complete_revocation_refs = "1.2.840.113549.1.9.16.2.22";
inline constexpr std::string_view certificate_values = "1.2.840.113549.1.9.16.2.23";
inline constexpr std::string_view revocation_values = "1.2.840.113549.1.9.16.2.24";
inline constexpr std::string_view esc_time_stamp = "1.2.840.113549.1.9.16.2.25";
inline constexpr std::string_view ats_hash_index_v3 = "0.4.0.19122.1.5";
}  // namespace oids

/// TimeStampReq.
struct TimeStampRequest {
  std::string hash_oid;
  Bytes hash;
  std::string policy;  ///< reqPolicy, empty when absent
  Bytes nonce;         ///< big-endian, empty when absent
  bool cert_req = false;

  /// A request for the digest of some data, with a random 8-byte nonce.
  static TimeStampRequest for_digest(DigestAlgorithm alg, ByteView digest, bool cert_req = true);
  static TimeStampRequest parse(ByteView der);
  Bytes encode() const;
};

/// TSTInfo, the content of a time-stamp token.
struct TstInfo {
  std::string policy;
  std::string hash_oid;
  Bytes hash;
  Bytes serial;
  TimePoint gen_time{};
  std::optional<unsigned> accuracy_seconds;
  Bytes nonce;
};

/// A time-stamp token: SignedData over a TSTInfo.
struct TimeStampToken {
  Bytes der;  ///< ContentInfo
  TstInfo info;
  static TimeStampToken parse(ByteView der);
};

/// A TimeStampResp: status, and the token when granted.
struct TimeStampResponse {
  int status = 2;  ///< 0 granted, 1 grantedWithMods, 2 rejection, ...
  std::string status_text;
  std::optional<TimeStampToken> token;
  static TimeStampResponse parse(ByteView der);
};

/// A time-stamping authority: its certificate (EKU timeStamping), key and policy.
class TimeStampAuthority {
 public:
  struct Config {
    Certificate certificate;
    PrivateKey key;
    std::vector<Certificate> chain;
    std::string policy = "1.3.6.1.4.1.61423.2.1";  ///< placeholder policy OID; set the TSA's own
    unsigned accuracy_seconds = 1;
    /// Serial numbers: unique, increasing; the server passes the CA store's counter.
    std::function<Bytes()> next_serial;
  };
  explicit TimeStampAuthority(Config config);

  /// Answers a DER TimeStampReq with a DER TimeStampResp (rejections are responses too).
  Bytes respond(ByteView request_der, TimePoint now) const;
  /// Issues a token for a request.
  TimeStampToken issue(const TimeStampRequest& request, TimePoint now) const;

 private:
  Config config_;
};

/// Outcome of checking a token.
struct TimeStampCheck {
  bool ok = false;
  std::string message;
  std::optional<Certificate> tsa_certificate;
  TimePoint gen_time{};
};

/// Asks a TSA over HTTP or HTTPS (proxies from the environment) for a token on `data` (hashed
/// with `alg`); checks the reply answers this request (imprint, nonce). `tls_ca_file`: CA
/// certificates (PEM) trusted for an https:// TSA besides the system's. Throws IoError /
/// FormatError naming the TSA.
TimeStampToken request_time_stamp(const std::string& tsa_url, DigestAlgorithm alg, ByteView data,
                                  std::chrono::seconds timeout = std::chrono::seconds(10),
                                  const std::string& tls_ca_file = {});

/// Checks a token's signature, its ESSCertIDv2 binding to the TSA certificate, the TSA's
/// critical timeStamping EKU, and that it stamps `imprint_source` (hashed with the token's
/// algorithm). Trust in the TSA certificate is the caller's path validation.
TimeStampCheck check_time_stamp(const TimeStampToken& token, ByteView imprint_source,
                                const std::vector<Certificate>& extra_certificates = {},
                                const SignOptions& sign_options = {});

}  // namespace sign

namespace sign {

/// The message-imprint input of an archive-time-stamp-v3 (ETSI EN 319 122-1 §5.5.3) for signer
/// `index`: eContentType, the document's hash (with `alg`), the SignerInfo's fields from version
/// to signature, and the DER ATSHashIndexV3 over the current certificates, revocation values
/// and unsigned attributes. `ats_hash_index` receives the ATSHashIndexV3 DER.
Bytes archive_time_stamp_input(const SignedDataView& sd, std::size_t index, const Content& document,
                               DigestAlgorithm alg, Bytes& ats_hash_index);

/// Checks an archive-time-stamp-v3 token of signer `index`: the token's own ats-hash-index-v3
/// must name only elements still present, and its imprint must match the recomputed input.
TimeStampCheck check_archive_time_stamp(const SignedDataView& sd, std::size_t index, const Content& document,
                                        const TimeStampToken& token, const std::vector<Certificate>& extra = {});

// ---------------------------------------------------------------- CAdES-C and CAdES-X Long Type 1

/// The complete validation data of one signer: its certification path and, for each
/// certificate below the anchor, the revocation data that vouched for it (a CRL or an OCSP
/// response, full OCSPResponse DER).
struct CompleteValidationData {
  std::vector<Certificate> path;             ///< signer first, trust anchor last
  std::vector<std::optional<Bytes>> crls;    ///< per path[i], i < path.size() - 1
  std::vector<std::optional<Bytes>> ocsp;    ///< per path[i], i < path.size() - 1
};

/// The four attribute values CAdES-C and X-L add (each one DER value).
struct CadesCValues {
  Bytes certificate_refs;   ///< CompleteCertificateRefs: the CA certificates of the path
  Bytes revocation_refs;    ///< CompleteRevocationRefs: one CrlOcspRef for the signer, then one per CA
  Bytes certificate_values; ///< CertificateValues: those CA certificates
  Bytes revocation_values;  ///< RevocationValues: the CRLs and BasicOCSPResponses referenced
};

/// Encodes the references and values for `data`, hashing with `alg` (OtherHashAlgAndValue).
CadesCValues cades_c_values(const CompleteValidationData& data, DigestAlgorithm alg);

/// The bytes a CAdES-C-time-stamp (X Long Type 1, id-aa-ets-escTimeStamp) covers for a signer
/// (TS 101 733 §6.3.5): its signature value, then attrType || attrValues of each
/// signature-time-stamp, complete-certificate-references and complete-revocation-references,
/// in that order. FormatError when the signer has no references.
Bytes esc_time_stamp_input(const SignerInfoView& si);

/// Why the references of a CAdES-C signer do not match the values it (or the SignedData)
/// carries, or empty when every referenced certificate, CRL and OCSP response is present
/// with the hash given.
std::string cades_reference_problem(const SignedDataView& sd, const SignerInfoView& si);

/// The certificates, CRLs and (full) OCSP responses of a signer's certificate-values and
/// revocation-values attributes.
struct CadesValues {
  std::vector<Bytes> certificates, crls, ocsp_responses;
};
CadesValues cades_values(const SignerInfoView& si);

}  // namespace sign
