// The validate module: runs a signature through cryptography, path building, RFC 5280 checks,
// revocation and policy, and returns a ValidationReport modeled on ETSI EN 319 102-1.
// A validation outcome is data, never an exception.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/cms.hpp>
#include <sign/i18n.hpp>
#include <sign/trust.hpp>
#include <sign/tsp.hpp>
#include <sign/xades.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sign {

enum class Indication { total_passed, total_failed, indeterminate };

enum class SubIndication {
  none,
  format_failure,
  hash_failure,
  sig_crypto_failure,
  revoked,
  expired,
  not_yet_valid,
  sig_constraints_failure,
  chain_constraints_failure,
  crypto_constraints_failure_no_poe,
  no_signing_certificate_found,
  no_certificate_chain_found,
  revoked_no_poe,
  out_of_bounds_no_poe,
  try_later,
  signed_data_not_found,
};

std::string_view indication_name(Indication i);      ///< "TOTAL-PASSED", ...
std::string_view sub_indication_name(SubIndication s);  ///< "HASH_FAILURE", ...

/// One certificate of the trust path, as the report shows it.
struct PathEntry {
  std::string role;  ///< "signer", "CA", "cross-certificate", "trust anchor"
  std::string subject, issuer, serial, fingerprint;
  std::string domain;  ///< country of the subject (C=), e.g. "CN", "RU"
  std::string suite;
  TimePoint not_before{}, not_after{};
  std::string source;  ///< where a certificate fetched for the path came from ("fetched: URL"); empty otherwise
};

/// Revocation information used for one certificate.
struct RevocationEvidence {
  std::string certificate;  ///< subject
  std::string status;       ///< "good", "revoked", "unknown"
  std::string kind;         ///< "CRL" or "OCSP"
  std::string source;       ///< where it came from
  std::string crl_issuer;  ///< CRL issuer, or the OCSP responder
  std::optional<std::uint64_t> crl_number;
  TimePoint this_update{};
  std::optional<TimePoint> next_update;
  std::optional<TimePoint> revocation_time;
  std::string reason;
};

/// The signature time-stamp that proves when the signature existed.
struct TimeStampEvidence {
  bool valid = false;   ///< intact and its TSA trusted (a proof of existence)
  bool intact = false;  ///< signature, binding, EKU and imprint check out, whoever the TSA is
  std::string message;
  std::optional<TimePoint> time;
  std::string tsa;
};

/// The verdict on one signature.
struct SignatureReport {
  std::size_t index = 0;  ///< 1-based, as `xsign inspect` lists signers
  Indication indication = Indication::indeterminate;
  SubIndication sub_indication = SubIndication::none;
  std::string message;  ///< one sentence a person can act on
  std::string signer;   ///< subject of the signing certificate
  std::map<std::string, std::string> identifiers;  ///< INN, OGRN, USCC, ...
  /// National profile fields of the signer's certificate: subjectSignTool, issuerSignTool, class
  /// (KC1..), GM/T 0015 IdentifyCode, OrganizationCode, ...
  std::map<std::string, std::string> profile;
  std::string signer_domain;
  std::optional<TimePoint> claimed_signing_time;
  TimePoint validation_time{};
  std::string validation_time_source;  ///< "current time (no time-stamp)" or "--at"
  std::string suite, digest_algorithm, signature_algorithm;
  std::string commitment;
  std::vector<PathEntry> path;  ///< signer first, anchor last
  bool cross_border = false;
  std::string vouched_by;  ///< the trust list that recognized the foreign root, if one did
  std::string receipt;     ///< the TTP receipt the verdict rests on, if one was applied
  std::vector<RevocationEvidence> revocation;
  std::optional<TimeStampEvidence> time_stamp;
  std::vector<TimeStampEvidence> archive_time_stamps;
  /// The CAdES-C-time-stamp of a CAdES-X Long Type 1 signature, when one is valid.
  std::optional<TimeStampEvidence> x_time_stamp;
  std::string level;  ///< "B", "T", "LT", "XL1" (CAdES-X Long Type 1), "LTA" (what the signature carries)
  std::string format = "CAdES";  ///< "CAdES", "XAdES" or "XMLDSig"
  /// What an XML signature covers, as checked ("the whole document /Invoice except this signature").
  std::vector<std::string> signed_objects;
  std::vector<std::string> warnings;
  /// RFC 5652 §11.4 countersignatures on this signature, each validated like a signature
  /// (index = their order on this signer).
  std::vector<SignatureReport> counter_signatures;
};

/// The verdict on a signed document.
struct ValidationReport {
  std::string signature_file, document;
  std::vector<SignatureReport> signatures;
  /// Set when the files could not be read at all (missing, a directory, unreadable): an input
  /// error of the caller, not a verdict on a signature. `signatures` is then empty.
  std::string input_error;
  /// Worst of all signatures: any failed = TOTAL-FAILED, else any indeterminate = INDETERMINATE.
  Indication overall() const;
};

struct ValidateOptions {
  std::optional<TimePoint> validation_time;  ///< explicit time; default the current time, said so in the report
  std::vector<Certificate> extra_certificates;
  std::vector<CrlSource> extra_crls;
  std::vector<Bytes> extra_ocsp_responses;
  SignOptions sign_options;  ///< SM2 distinguishing ID used by the signers
};

/// One object in the fetch cache (CRLs, OCSP answers, CA certificates fetched while validating).
struct CachedObject {
  std::string key;   ///< the URL ("ocsp URL CERTID" for an OCSP answer)
  std::string kind;  ///< "crl", "ocsp", "certificate"
  TimePoint fetched{}, expires{};
  std::size_t size = 0;
};
/// Where the policy's fetch cache lives ($XSIGN_CACHE_DIR, $XDG_CACHE_HOME/xsign, ~/.cache/xsign).
std::string fetch_cache_directory(const ValidationPolicy& policy);
/// The cache's entries, oldest first.
std::vector<CachedObject> fetch_cache_list(const ValidationPolicy& policy);
/// Empties the cache; returns how many entries were removed.
std::size_t fetch_cache_clear(const ValidationPolicy& policy);

/// Validates every ds:Signature of an XML file (XAdES or plain XMLDSig); `document` is the file a
/// detached signature names. FormatError when the file is not XML or has no signature.
ValidationReport validate_xml_signatures(ByteView xml, const std::string& what, const DetachedFiles& documents,
                                         const TrustStore& trust, const ValidationPolicy& policy,
                                         const ValidateOptions& options = {});

/// Validates every signer of a SignedData.
ValidationReport validate_signed_data(const SignedDataView& sd, const std::optional<Content>& content,
                                      const TrustStore& trust, const ValidationPolicy& policy,
                                      const ValidateOptions& options = {});

/// Checks an RFC 3161 token over `stamped` as validation does for a signature time-stamp: the
/// token itself, then its TSA's path to one of `trust`'s anchors (id-kp-timeStamping EKU) and
/// revocation per `policy`, at options.validation_time (default now).
TimeStampEvidence validate_time_stamp(ByteView token_der, ByteView stamped, const TrustStore& trust,
                                      const ValidationPolicy& policy, const ValidateOptions& options = {});

/// Certificates and revocation values that make a signature verifiable later offline (CAdES-LT):
/// the path of every signer and time-stamping authority, and for each certificate below an
/// anchor the newest CRL or OCSP response found (given, in the trust store, or fetched).
struct ValidationData {
  std::vector<Bytes> certificates, crls, ocsp_responses;
  std::vector<std::string> problems;  ///< what could not be found (the caller decides)
};
/// `signers` = false: only the time-stamp authorities' paths (CAdES-X-L carries the signers' own
/// data in its certificate-values and revocation-values).
ValidationData collect_validation_data(const SignedDataView& sd, const TrustStore& trust,
                                       const ValidationPolicy& policy, const ValidateOptions& options = {},
                                       bool signers = true);

/// The same for checked XML signatures (XAdES-LT): every signer's and time-stamping authority's
/// path with revocation values; a signature that did not check out is a problem.
ValidationData collect_xml_validation_data(const std::vector<XmlSignatureCheck>& checks, const TrustStore& trust,
                                           const ValidationPolicy& policy, const ValidateOptions& options = {});

/// Signer `index`'s path and the revocation data for each of its certificates, as CAdES-C and
/// X-L reference and carry them (TS 101 733 §6.2.1-6.2.2); what cannot be found goes to
/// `problems` (the caller decides).
CompleteValidationData collect_complete_validation_data(const SignedDataView& sd, std::size_t index,
                                                        const TrustStore& trust, const ValidationPolicy& policy,
                                                        const ValidateOptions& options, std::vector<std::string>& problems);

/// One signed file of a batch: the signature, and the document (empty when attached).
struct BatchItem {
  std::string signature_file;
  std::string document;
};

/// Validates many signature files on `jobs` threads (the trust material and caches are shared);
/// a report per item, in order. A malformed signature file gets a FORMAT_FAILURE report; a file
/// that cannot be read (missing, a directory, not a regular file) gets `input_error` instead.
std::vector<ValidationReport> validate_batch(const std::vector<BatchItem>& items, const TrustStore& trust,
                                             const ValidationPolicy& policy, const ValidateOptions& options,
                                             unsigned jobs);

/// The same, streaming: `on_report(index, report)` is called in input order as soon as a report
/// and all before it are done (never concurrently), and workers run at most 4 × jobs items
/// ahead, so memory does not grow with the number of files.
void validate_batch(const std::vector<BatchItem>& items, const TrustStore& trust, const ValidationPolicy& policy,
                    const ValidateOptions& options, unsigned jobs,
                    const std::function<void(std::size_t, const ValidationReport&)>& on_report);

/// The trust services a trust store's lists recognize at `at`, following its lists of lists to
/// the lists they point to (fetched per `policy`, cached until their next update).
RecognizedServices resolve_trust_lists(const std::vector<std::pair<std::string, Bytes>>& lists, const TrustStore& trust,
                                       const ValidationPolicy& policy, TimePoint at);

/// A report for a signature file that could not even be parsed (TOTAL-FAILED, FORMAT_FAILURE).
ValidationReport format_failure_report(const std::string& file, const std::string& message);

/// The report as JSON (schema in docs/verify.md).
std::string report_to_json(const ValidationReport& report);
/// The report for people, in `lang`: the verdict first, then why, who, when and through which
/// path. Indication names (TOTAL-PASSED, REVOKED, ...) stay as ETSI writes them in every language.
std::string report_to_text(const ValidationReport& report, Language lang = Language::en);
/// The report as one self-contained XHTML page in `lang` (no script, nothing fetched): the
/// verdict first, then each signature with its signer, path across the border and evidence.
std::string report_to_html(const ValidationReport& report, Language lang = Language::en);
/// The report as an ETSI TS 119 102-2 validation report (XML, http://uri.etsi.org/19102/v1.2.1#):
/// per signature its identifier, validation time and best signature time, signed attributes,
/// signer, validation process, main and sub-indication with the certificate chain; the
/// certificates as validation objects (SHA-256). Sign it with xades_sign (enveloped) if asked.
Bytes report_to_etsi_xml(const ValidationReport& report);

}  // namespace sign
