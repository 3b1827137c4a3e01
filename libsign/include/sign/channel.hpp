// The channel module: trusted-third-party validation receipts (DVCS-style CMS over a
// validation report), the second way, after signed trust lists (trust module), in which a
// verifier in one country accepts a signature from the other.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/cms.hpp>
#include <sign/trust.hpp>
#include <sign/validate.hpp>

#include <optional>
#include <string>
#include <vector>

namespace sign {

/// A TTP validation receipt's content.
struct Receipt {
  std::string ttp;  ///< subject of the TTP certificate
  TimePoint issued{};
  std::string digest_algorithm;  ///< OID of the digest used below (the TTP suite's)
  Bytes document_digest, signature_digest;
  std::string indication;  ///< overall indication of the report
  std::string report_json;  ///< the full validation report
};

/// Validates a signature and issues a receipt: CMS SignedData in the TTP's suite over a JSON
/// data-validation response bound to the digests of the document and the signature file.
Bytes issue_receipt(const ValidationReport& report, const Content& document, ByteView signature_file,
                    const SignerSpec& ttp, TimePoint now);

/// Result of checking a receipt against a document and signature.
struct ReceiptCheck {
  bool ok = false;
  std::string message;
  std::optional<Receipt> receipt;
};

/// Checks a receipt: its CMS signature, the TTP's path to one of `anchors`, and that it covers
/// exactly this document and signature file.
ReceiptCheck verify_receipt(ByteView receipt, const Content& document, ByteView signature_file,
                            const std::vector<Certificate>& anchors, const std::vector<Certificate>& intermediates,
                            TimePoint at, const ValidationPolicy& policy = {});

// ---- RFC 3029 DVCS: the receipts other systems read ----

/// The DVCS services a TTP answers (RFC 3029 §2: ServiceType values).
enum class DvcsService {
  vsd = 2,   ///< validation of a digitally signed document
  vpkc = 3,  ///< validation of public key certificates
};

/// A DVCS request as the TTP reads it.
struct DvcsRequest {
  DvcsService service = DvcsService::vsd;
  Bytes nonce;  ///< INTEGER content octets; empty when absent
  std::optional<TimePoint> request_time;
  Bytes signed_document;  ///< vsd: Data.message, the signature file (CMS; attached, or detached with `document`)
  std::optional<Bytes> document;  ///< vsd of a detached signature: the document (xsign's request extension)
  std::vector<Certificate> certificates;  ///< vpkc: the certificates to validate (Data.certs targets)
  Bytes request_information;  ///< DER DVCSRequestInformation, echoed in the response
};

/// A vsd request for a signature file; a detached signature's document travels in the xsign
/// extension of the request information (1.3.6.1.4.1.61423.3.1). DER ContentInfo
/// (id-ct-DVCSRequestData), unsigned: the TTP answers anyone.
Bytes make_dvcs_vsd_request(ByteView signature_file, const std::optional<Content>& document, ByteView nonce = {});
/// A vpkc request for certificates.
Bytes make_dvcs_vpkc_request(const std::vector<Certificate>& certificates, ByteView nonce = {});
/// Parses a request: an unsigned ContentInfo or a SignedData whose eContentType is
/// id-ct-DVCSRequestData (a requester's signature is not needed to answer). FormatError
/// naming what is wrong; services other than vsd and vpkc are refused.
DvcsRequest parse_dvcs_request(ByteView der);

/// The answer a TTP signs: the validation it performed, in its own suite.
struct DvcsAnswer {
  bool valid = false;   ///< dvStatus granted (0) when valid, rejection (2) otherwise
  std::string summary;  ///< statusString: the indication and one sentence
  std::string report_json;  ///< the full report, carried in an xsign extension (1.3.6.1.4.1.61423.3.3)
};

/// Validates what the request names (vsd: the signature over its document, with `trust` and
/// `policy`; vpkc: each certificate's path and revocation) and returns the DER SignedData
/// (eContentType id-ct-DVCSResponseData) holding a DVCSResponse with a DVCSCertInfo signed by
/// `ttp`. `serial` numbers the response.
Bytes answer_dvcs_request(const DvcsRequest& request, const TrustStore& trust, const ValidationPolicy& policy,
                          const SignerSpec& ttp, TimePoint now, ByteView serial, const ValidateOptions& options = {});

/// A DVCS error response (DVCSErrorNotice, rejection with `message`) signed by `ttp`.
Bytes dvcs_error_response(const std::string& message, const SignerSpec& ttp);

/// True when a CMS object's content is a DVCS response (as opposed to a JSON receipt).
bool is_dvcs_response(ByteView der);

/// Applies a checked receipt to a local report: a receipt from a trusted TTP that found the
/// file TOTAL-PASSED lifts INDETERMINATE signatures to TOTAL-PASSED, saying so; a rejected
/// receipt becomes a warning with its reason. Local TOTAL-FAILED verdicts are never overridden.
void apply_receipt(ValidationReport& report, const ReceiptCheck& check);

}  // namespace sign
