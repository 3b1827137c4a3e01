// The pki module: names, certificates, certification requests and CRLs as value types, their
// creation (signed through crypto suites for every suite alike), and path validation.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/crypto.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sign {

/// A UTC time in whole seconds. 64-bit seconds cover every time X.509 and CMS can express
/// (GeneralizedTime years 0000-9999, and RFC 5280's no-expiry 99991231235959Z) with no
/// overflow; a nanosecond clock would end in 2262 and wrap silently.
using TimePoint = std::chrono::sys_seconds;

/// The current time, in whole seconds.
TimePoint now();
/// Formats a time as ISO 8601 UTC ("2026-11-24T10:00:00Z").
std::string format_time(TimePoint t);
/// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (years 0000-9999); throws UsageError.
TimePoint parse_time(std::string_view text);

// ------------------------------------------------------------------------------ names

/// One attribute of a distinguished name.
struct NameAttribute {
  std::string oid;
  std::string value;
};

/// An X.501 Name; one attribute per RDN, in order.
class DistinguishedName {
 public:
  DistinguishedName() = default;
  /// Parses "/C=CN/O=Shanghai Trade Co./CN=Li Wei" (OpenSSL style; `\/` escapes a slash).
  /// Keys: C ST L O OU CN street emailAddress serialNumber title organizationIdentifier,
  /// INN OGRN OGRNIP SNILS INNLE (Russian), USCC (Chinese unified social credit code,
  /// written as organizationIdentifier "NTRCN-<code>"), or a dotted OID.
  static DistinguishedName parse(std::string_view text);
  /// Parses DER.
  static DistinguishedName from_der(ByteView der);

  /// DER encoding (the exact bytes read, when parsed from DER).
  const Bytes& der() const { return der_; }
  const std::vector<NameAttribute>& attributes() const { return attributes_; }
  /// First value of an attribute type, or empty.
  std::string get(std::string_view oid) const;
  /// "C=CN, O=..., CN=..." for people.
  std::string to_string() const;
  bool empty() const { return attributes_.empty(); }
  /// RFC 5280 §7.1 comparison (simplified: byte-identical, or equal after case folding and
  /// whitespace normalisation of each value).
  bool operator==(const DistinguishedName& other) const;

 private:
  static DistinguishedName decode(ByteView der);  ///< from_der without its per-thread memo
  std::string text() const;                       ///< to_string without its per-thread memo
  std::vector<NameAttribute> attributes_;
  Bytes der_;
};

// ------------------------------------------------------------------------ certificates

/// keyUsage bits (RFC 5280 §4.2.1.3).
enum KeyUsage : unsigned {
  kDigitalSignature = 1u << 0,
  kNonRepudiation = 1u << 1,
  kKeyEncipherment = 1u << 2,
  kDataEncipherment = 1u << 3,
  kKeyAgreement = 1u << 4,
  kKeyCertSign = 1u << 5,
  kCrlSign = 1u << 6,
};

namespace oids {
inline constexpr std::string_view eku_document_signing = "1.3.6.1.5.5.7.3.36";
inline constexpr std::string_view eku_email_protection = "1.3.6.1.5.5.7.3.4";
inline constexpr std::string_view eku_time_stamping = "1.3.6.1.5.5.7.3.8";
inline constexpr std::string_view eku_ocsp_signing = "1.3.6.1.5.5.7.3.9";
inline constexpr std::string_view inn = "1.2.643.3.131.1.1";
inline constexpr std::string_view ogrn = "1.2.643.100.1";
inline constexpr std::string_view organization_identifier = "2.5.4.97";
inline constexpr std::string_view country = "2.5.4.6";
inline constexpr std::string_view common_name = "2.5.4.3";
inline constexpr std::string_view organization = "2.5.4.10";
}  // namespace oids

/// An extension written as given (for profiles with private extensions, and for tests).
struct RawExtension {
  std::string oid;
  bool critical = false;
  Bytes value;  ///< extnValue contents (normally DER)
};

/// One policyMappings entry (RFC 5280 §4.2.1.5).
struct PolicyMapping {
  std::string issuer_domain_policy, subject_domain_policy;
};

/// Everything that goes into a new certificate besides the issuer.
struct CertificateTemplate {
  DistinguishedName subject;
  std::optional<PublicKey> public_key;
  Bytes serial;  ///< big-endian, positive; empty = 20 random bytes (159 bits)
  TimePoint not_before;
  TimePoint not_after;
  bool is_ca = false;
  std::optional<unsigned> path_len;
  unsigned key_usage = 0;  ///< KeyUsage bits; 0 = no extension
  std::vector<std::string> extended_key_usage;
  bool extended_key_usage_critical = false;
  std::vector<std::string> policies;
  std::vector<std::string> crl_urls;
  std::vector<std::string> ocsp_urls;
  std::vector<std::string> ca_issuers_urls;
  std::vector<DistinguishedName> permitted_subtrees;  ///< nameConstraints (directoryName)
  std::vector<DistinguishedName> excluded_subtrees;
  bool ocsp_nocheck = false;
  Bytes subject_key_id;  ///< empty = computed from the key (RFC 7093 method 1)
  std::string subject_sign_tool;                ///< 1.2.643.100.111 (Russian profile)
  std::vector<std::string> issuer_sign_tool;    ///< 1.2.643.100.112: 4 strings
  std::vector<RawExtension> extra_extensions;   ///< appended after the ones above
};

struct ProfileField;

/// A parsed X.509 certificate. Cheap to copy.
class Certificate {
 public:
  static Certificate from_der(ByteView der);
  static Certificate from_pem(std::string_view pem);
  /// All certificates in a file: PEM (CERTIFICATE, PKCS7 or CMS blocks), one DER certificate,
  /// or a DER PKCS#7 bundle (.p7b, BER allowed). FormatError on anything unusable.
  static std::vector<Certificate> load_all(const std::string& path);
  /// The same, but a certificate that cannot be used (an unknown algorithm, garbage, a
  /// certificate xsign cannot read) is skipped and described in `skipped` ("PATH: which, why").
  static std::vector<Certificate> load_usable(const std::string& path, std::vector<std::string>& skipped);
  /// The first certificate in a file.
  static Certificate load(const std::string& path);

  const Bytes& der() const;
  std::string pem() const;
  /// The extnValue contents of an extension, known or not (raw: private extensions of real
  /// CAs are not always DER), or nullopt when absent.
  std::optional<Bytes> extension(std::string_view oid) const;
  const DistinguishedName& subject() const;
  const DistinguishedName& issuer() const;
  const Bytes& serial() const;
  std::string serial_hex() const;
  TimePoint not_before() const;
  TimePoint not_after() const;
  const PublicKey& public_key() const;
  /// Suite whose signature is on this certificate (by signature algorithm OID).
  std::optional<Suite> signature_suite() const;
  std::string signature_algorithm_oid() const;
  bool is_ca() const;
  std::optional<unsigned> path_len() const;
  /// KeyUsage bits, or nullopt when the extension is absent.
  std::optional<unsigned> key_usage() const;
  std::vector<std::string> extended_key_usage() const;
  /// keyUsage absent, or allowing digitalSignature or nonRepudiation (what signing needs).
  bool key_usage_allows_signing() const;
  /// extendedKeyUsage absent, or naming documentSigning, emailProtection or anyExtendedKeyUsage.
  bool extended_key_usage_allows_documents() const;
  std::vector<std::string> policies() const;
  const Bytes& subject_key_id() const;
  const Bytes& authority_key_id() const;
  std::vector<std::string> crl_urls() const;
  std::vector<std::string> ocsp_urls() const;
  /// AIA caIssuers URIs (RFC 5280 §4.2.2.1): where the issuer's certificate is published.
  std::vector<std::string> ca_issuers_urls() const;
  const std::vector<DistinguishedName>& permitted_subtrees() const;
  const std::vector<DistinguishedName>& excluded_subtrees() const;
  /// certificatePolicies present (policies() lists its OIDs, anyPolicy included).
  bool has_policies_extension() const;
  const std::vector<PolicyMapping>& policy_mappings() const;
  /// policyConstraints and inhibitAnyPolicy SkipCerts values, when present.
  std::optional<unsigned> require_explicit_policy() const;
  std::optional<unsigned> inhibit_policy_mapping() const;
  std::optional<unsigned> inhibit_any_policy() const;
  /// Critical extensions this library does not process (RFC 5280 §4.2: such a certificate
  /// must be rejected by path validation).
  const std::vector<std::string>& unknown_critical_extensions() const;
  bool is_self_issued() const;
  /// SHA-256 of the DER, hex.
  std::string fingerprint() const;
  /// The hash of the DER by `alg` (an ESS signing-certificate hash, an OCSP or CRL reference),
  /// computed once per certificate and algorithm.
  const Bytes& digest(DigestAlgorithm alg) const;
  /// True when `issuer_key` made the signature on this certificate.
  bool verify_signature(const PublicKey& issuer_key) const;
  bool operator==(const Certificate& other) const { return der() == other.der(); }

  struct Impl;
  explicit Certificate(std::shared_ptr<const Impl> impl);

 private:
  friend std::vector<ProfileField> profile_fields(const Certificate& cert);
  std::shared_ptr<const Impl> impl_;
};

/// Creates and signs a certificate. For a self-signed one pass the subject's own name/key.
Certificate issue_certificate(const CertificateTemplate& tmpl, const DistinguishedName& issuer,
                              const Bytes& issuer_key_id, const PrivateKey& issuer_key);

/// Key identifier as we compute it: the leftmost 160 bits of SHA-256 over the
/// subjectPublicKey BIT STRING contents (RFC 7093 method 1).
Bytes key_identifier(const PublicKey& key);

/// 20 random bytes with the top bit clear and non-zero first byte: a positive serial of 159 bits.
Bytes random_serial();

// ------------------------------------------------------- national qualified-certificate profiles

/// One field of a national certificate profile, by the name the profile gives it.
struct ProfileField {
  std::string name;   ///< "subjectSignTool", "issuerSignTool", "class", "IdentifyCode", ...
  std::string value;  ///< printable text (non-text values in hex)
};

/// The profile fields a certificate carries beyond its subject's identifiers: the Russian
/// qualified profile (FSB order No. 795: subjectSignTool, issuerSignTool, the KC1-KC3/KV/KA class
/// policies 1.2.643.100.113.x) and the Chinese GM/T 0015 private extensions (IdentifyCode,
/// InsuranceNumber, ICRegistrationNumber, OrganizationCode, TaxationNumber).
std::vector<ProfileField> profile_fields(const Certificate& cert);

/// What the Russian qualified profile requires that `cert` lacks, one item each (empty when
/// complete): subjectSignTool, issuerSignTool, a class policy, and the subject's identity
/// (SNILS for a person, OGRN with INNLE or INN for an organisation, OGRNIP for an entrepreneur).
std::vector<std::string> missing_ru_qualified_fields(const Certificate& cert);

// ------------------------------------------------------------------------------- CSRs

/// A PKCS#10 certification request.
class CertificateRequest {
 public:
  /// Creates and self-signs a request.
  static CertificateRequest create(const PrivateKey& key, const DistinguishedName& subject);
  static CertificateRequest from_der(ByteView der);
  static CertificateRequest from_pem(std::string_view pem);
  static CertificateRequest load(const std::string& path);

  const Bytes& der() const { return der_; }
  std::string pem() const;
  const DistinguishedName& subject() const { return subject_; }
  const PublicKey& public_key() const { return *public_key_; }
  /// True when the request is signed by the key it carries.
  bool verify_self_signature() const;

 private:
  Bytes der_;
  Bytes tbs_;
  std::string sig_alg_oid_;
  Bytes signature_;
  DistinguishedName subject_;
  std::optional<PublicKey> public_key_;
};

// ------------------------------------------------------------------------------- CRLs

/// CRLReason codes (RFC 5280 §5.3.1).
enum class RevocationReason : int {
  unspecified = 0,
  key_compromise = 1,
  ca_compromise = 2,
  affiliation_changed = 3,
  superseded = 4,
  cessation_of_operation = 5,
  certificate_hold = 6,
  remove_from_crl = 8,  ///< delta CRLs only: the entry no longer applies (a hold released)
  privilege_withdrawn = 9,
};
std::string_view reason_name(RevocationReason r);
/// Parses "keyCompromise", "key_compromise", ...; throws UsageError.
RevocationReason parse_reason(std::string_view text);

struct RevokedEntry {
  Bytes serial;
  TimePoint revocation_time;
  RevocationReason reason = RevocationReason::unspecified;
};

/// A parsed CRL. Immutable and cheap to copy (copies share one parsed form), so a national
/// CRL of 100,000 entries is parsed once per process, not once per document.
/// Extensions of a CRL beyond the CRL number and AKI (RFC 5280 §5.2.4, §5.2.6).
struct CrlExtensions {
  std::optional<std::uint64_t> delta_base;   ///< set: a delta CRL over the complete CRL with this number
  std::vector<std::string> freshest_crl_urls;  ///< where the delta CRLs of a complete CRL are
};

class Crl {
 public:
  static Crl create(const DistinguishedName& issuer, const Bytes& issuer_key_id,
                    const PrivateKey& issuer_key, std::uint64_t crl_number, TimePoint this_update,
                    TimePoint next_update, const std::vector<RevokedEntry>& entries,
                    const CrlExtensions& extensions = {});
  static Crl from_der(ByteView der);
  static Crl from_pem(std::string_view pem);
  static Crl load(const std::string& path);

  const Bytes& der() const;
  std::string pem() const;
  const DistinguishedName& issuer() const;
  TimePoint this_update() const;
  std::optional<TimePoint> next_update() const;
  std::optional<std::uint64_t> crl_number() const;
  /// The BaseCRLNumber of a delta CRL (deltaCRLIndicator); nullopt for a complete CRL. A delta
  /// is never used as a complete CRL.
  std::optional<std::uint64_t> delta_base() const;
  /// The freshestCRL URIs of a complete CRL: where its deltas are published.
  const std::vector<std::string>& freshest_crl_urls() const;
  const Bytes& authority_key_id() const;
  const std::vector<RevokedEntry>& entries() const;
  const RevokedEntry* find(const Bytes& serial) const;
  /// True when `issuer_key` signed this CRL; the answer is remembered per key (no re-hashing
  /// of a large CRL on every lookup).
  bool verify_signature(const PublicKey& issuer_key) const;

  struct State;

 private:
  std::shared_ptr<const State> s_;
};

// --------------------------------------------------------------------- path validation

/// RFC 5280 §6.1.1 policy inputs (c)–(f).
struct PolicyInputs {
  std::vector<std::string> user_initial_policy_set;  ///< empty = anyPolicy
  bool initial_explicit_policy = false;
  bool initial_policy_mapping_inhibit = false;
  bool initial_any_policy_inhibit = false;
};

/// Inputs of path validation besides the target certificate.
struct PathOptions {
  std::vector<Certificate> anchors;       ///< trusted roots (of one's own domain)
  std::vector<Certificate> intermediates;  ///< issuing CAs and cross-certificates
  std::vector<Crl> crls;                   ///< checked when present for a certificate's issuer
  TimePoint validation_time;
  std::chrono::seconds clock_skew{0};      ///< tolerance for notBefore
  bool require_revocation_info = false;    ///< no CRL for a non-anchor certificate = failure
  std::size_t max_depth = 8;
  PolicyInputs policy;                     ///< certificate policy processing (RFC 5280 §6.1)
};

/// The newest CRL among `crls` that covers `cert`: same issuer name, signed by `issuer`'s key,
/// issued no later than `at`. nullptr when none does.
const Crl* find_crl(const Certificate& cert, const Certificate& issuer, const std::vector<Crl>& crls, TimePoint at);

/// Outcome of path validation; `path` runs from the target to the anchor.
struct PathResult {
  enum class Status {
    valid,
    no_path,            ///< no chain to a trust anchor was found
    bad_signature,
    expired,
    not_yet_valid,
    revoked,
    constraints_failure,  ///< basicConstraints, pathLen, keyUsage, name constraints, policies,
                          ///< unknown critical extensions
    revocation_unknown,
  };
  Status status = Status::no_path;
  std::string message;
  std::vector<Certificate> path;
  std::optional<RevokedEntry> revocation;
  std::vector<std::string> valid_policies;  ///< RFC 5280 §6.1.6 (anyPolicy = unconstrained)
  bool ok() const { return status == Status::valid; }
};
std::string_view status_name(PathResult::Status s);

/// Builds a path from `target` to an anchor through `intermediates`, trying alternatives
/// when a candidate fails (no loops, bounded depth), and validates it (RFC 5280 §6 subset).
PathResult validate_path(const Certificate& target, const PathOptions& options);

}  // namespace sign
