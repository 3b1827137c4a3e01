// Shared by the channel module's DVCS files: object identifiers, the request body parser, and
// the validations behind each service.
#pragma once

#include <sign/channel.hpp>

#include <string_view>
#include <vector>

namespace sign::dvcs_detail {

inline constexpr std::string_view kDvcsRequestData = "1.2.840.113549.1.9.16.1.7";   ///< id-ct-DVCSRequestData
inline constexpr std::string_view kDvcsResponseData = "1.2.840.113549.1.9.16.1.8";  ///< id-ct-DVCSResponseData
// xsign's extensions (under the project's arc 1.3.6.1.4.1.61423): the document of a detached
// signature in a request, its digest in the response, and the full validation report (JSON).
inline constexpr std::string_view kDocumentExtension = "1.3.6.1.4.1.61423.3.1";
inline constexpr std::string_view kDocumentDigestExtension = "1.3.6.1.4.1.61423.3.2";
inline constexpr std::string_view kReportExtension = "1.3.6.1.4.1.61423.3.3";

/// Largest document a vsd request carries for a detached signature.
inline constexpr std::uint64_t kMaxDvcsDocumentBytes = 16u << 20;

DvcsRequest parse_request_body(const Bytes& der);
Bytes echoed_request_information(const Bytes& info_der);

/// vsd: the signature file validated over its document (CMS or signed XML).
DvcsAnswer validate_for_dvcs(const DvcsRequest& request, const TrustStore& trust, const ValidationPolicy& policy,
                             const ValidateOptions& options);
/// vpkc: each certificate's path to the TTP's anchors with revocation from its CRLs; one
/// TargetEtcChain (target, its status, its path) per certificate in `chains`.
DvcsAnswer validate_certificates_for_dvcs(const std::vector<Certificate>& certificates, const TrustStore& trust,
                                          const ValidateOptions& options, TimePoint at, std::vector<Bytes>& chains);

/// A DVCSResponse read back from its SignedData content.
struct ParsedResponse {
  bool error = false;  ///< a DVCSErrorNotice
  unsigned status = 2;
  std::string status_text;
  DigestAlgorithm imprint_algorithm{};
  Bytes imprint;
  std::optional<Bytes> document_digest;  ///< xsign's extension (same algorithm as the imprint)
  std::string report_json;
  TimePoint response_time{};
};
ParsedResponse parse_response(ByteView der);

}  // namespace sign::dvcs_detail
