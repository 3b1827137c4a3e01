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

/// Applies a checked receipt to a local report: a receipt from a trusted TTP that found the
/// file TOTAL-PASSED lifts INDETERMINATE signatures to TOTAL-PASSED, saying so; a rejected
/// receipt becomes a warning with its reason. Local TOTAL-FAILED verdicts are never overridden.
void apply_receipt(ValidationReport& report, const ReceiptCheck& check);

}  // namespace sign
