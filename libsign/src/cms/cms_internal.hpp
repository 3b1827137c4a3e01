// Internal pieces shared by the cms module's files: OIDs, encoders, the SignedData writer.
#pragma once

#include <sign/cms.hpp>

#include <algorithm>
#include <string_view>
#include <vector>

namespace sign::cms_detail {

namespace oid {
inline constexpr std::string_view data = "1.2.840.113549.1.7.1";
inline constexpr std::string_view signed_data = "1.2.840.113549.1.7.2";
inline constexpr std::string_view gm_data = "1.2.156.10197.6.1.4.2.1";
inline constexpr std::string_view gm_signed_data = "1.2.156.10197.6.1.4.2.2";
inline constexpr std::string_view content_type = "1.2.840.113549.1.9.3";
inline constexpr std::string_view message_digest = "1.2.840.113549.1.9.4";
inline constexpr std::string_view signing_time = "1.2.840.113549.1.9.5";
inline constexpr std::string_view countersignature = "1.2.840.113549.1.9.6";
inline constexpr std::string_view signing_certificate_v2 = "1.2.840.113549.1.9.16.2.47";
inline constexpr std::string_view signing_certificate_v1 = "1.2.840.113549.1.9.16.2.12";
inline constexpr std::string_view signature_policy = "1.2.840.113549.1.9.16.2.15";
inline constexpr std::string_view content_hints = "1.2.840.113549.1.9.16.2.4";
inline constexpr std::string_view commitment_type = "1.2.840.113549.1.9.16.2.16";
inline constexpr std::string_view sm2_gm_signature = "1.2.156.10197.1.301.1";
inline constexpr std::string_view ec_public_key = "1.2.840.10045.2.1";
}  // namespace oid

// DER building blocks live in the asn1 module (shared with tsp and ocsp).
using sign::algorithm_der;
using sign::integer_der;
using sign::oid_der;
using sign::oid_from_der;
using sign::sequence;
using sign::set_in_order;
using sign::set_of;

/// The digestAlgorithm and signatureAlgorithm a new SignerInfo of this suite carries.
const Bytes& digest_algorithm_for(Suite suite);
const Bytes& signature_algorithm_for(Suite suite, OidStyle style);
/// True when a SignerInfo signature algorithm OID fits a key of this suite.
bool signature_oid_fits(std::string_view oid, Suite suite);

/// Builds a complete SignerInfo: signed attributes as given (sorted here), signed with the key.
Bytes build_signer_info(const SignerSpec& signer, std::vector<Bytes> signed_attributes, OidStyle style);

/// Attribute encoders.
Bytes attribute(std::string_view oid, std::initializer_list<ByteView> values);
Bytes content_type_attribute(std::string_view econtent_type);
Bytes message_digest_attribute(ByteView digest);
Bytes signing_time_attribute(TimePoint t);
Bytes signing_certificate_v2_attribute(const Certificate& cert, Suite suite);
Bytes commitment_attribute(Commitment c);

/// Everything that goes into a SignedData; the content (attached) is streamed from a source.
struct SignedDataParts {
  OidStyle style = OidStyle::pkcs7;
  int version = 1;
  std::vector<Bytes> digest_algorithms;
  std::string econtent_type;
  const ByteSource* content = nullptr;  ///< attached when set
  std::uint64_t content_offset = 0;
  std::uint64_t content_length = 0;
  /// Views of certificates held by the signer, the existing SignedData or the caller, who keep
  /// them alive until the SignedData is written (a copy of each was two 1 KiB allocations per
  /// signature).
  std::vector<ByteView> certificates;
  std::vector<Bytes> crls;
  std::vector<Bytes> signer_infos;
};

/// Writes ContentInfo(SignedData) in definite-length DER.
void write_signed_data(const SignedDataParts& parts, const std::function<void(ByteView)>& sink);

/// Parses one SignerInfo from its DER.
SignerInfoView parse_signer_info(ByteView der, int depth = 0);

/// The first ESSCertID(v2) of a signingCertificate(V2) value: hash algorithm, hash, and the
/// optional issuerSerial (issuer Name DER and serial without leading zeros).
struct EssCertId {
  std::string hash_oid;
  Bytes hash;
  std::optional<Bytes> issuer_name_der;
  Bytes serial;
};
EssCertId parse_signing_certificate_v2(ByteView value);
/// signingCertificate (ESS v1, RFC 2634): the hash is SHA-1 and has no algorithm field.
EssCertId parse_signing_certificate_v1(ByteView value);

/// The first cardinality rule of RFC 5652 §5.3/§11 and EN 319 122-1 §5.2 that the signer's
/// attributes break, or empty. `counter` applies the countersignature rules (§11.4).
std::string attribute_cardinality_problem(const SignerInfoView& si, bool counter);

/// Adds unique elements of `extra` to `into` (Bytes, or ByteViews compared by content).
template <class Element>
void append_unique(std::vector<Element>& into, const std::vector<Element>& extra) {
  for (const auto& e : extra)
    if (std::none_of(into.begin(), into.end(), [&](const Element& i) { return std::ranges::equal(i, e); }))
      into.push_back(e);
}

}  // namespace sign::cms_detail
