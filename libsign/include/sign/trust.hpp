// The trust module: what a verifier trusts (its own domain's roots, a pool of intermediate and
// cross-certificates, CRLs) and the validation policy it applies.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/cms.hpp>
#include <sign/crypto.hpp>
#include <sign/pki.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sign {

/// How a verifier decides. Defaults are documented in docs/verify.md.
struct ValidationPolicy {
  enum class Revocation {
    require,       ///< no usable revocation information = INDETERMINATE (soft failure)
    if_available,  ///< checked when information is found, otherwise a warning
    off,           ///< not checked (a warning says so)
  };

  std::vector<Suite> accepted_suites{Suite::sm2, Suite::gost256, Suite::gost512, Suite::p256};
  std::size_t min_key_bits = 255;  ///< curve order bits (TC26 256-A has 255)
  Revocation revocation = Revocation::require;
  std::chrono::seconds clock_skew{300};
  bool allow_cross_border = true;                 ///< paths through cross-certificates
  std::vector<std::string> recognized_cross_certificates;  ///< SHA-256 fingerprints; empty = any in the pool
  /// RFC 5280 user-initial-policy-set: when not empty, the whole path must be valid for one of
  /// these policies (explicit policy required, §6.1 processing with mappings).
  std::vector<std::string> required_policies;
  bool inhibit_policy_mapping = false;            ///< RFC 5280 initial-policy-mapping-inhibit
  bool inhibit_any_policy = false;                ///< RFC 5280 initial-any-policy-inhibit
  /// CAdES-B: the signed signingCertificate(V2) attribute must bind the signer's certificate;
  /// false accepts plain CMS, and the report says the identity is unbound.
  bool require_signing_certificate = true;
  /// XML signatures that cover only an element of the document (by Id) are accepted, and the
  /// report names that element; false refuses them (what a person reads may be unsigned).
  bool xml_partial_references = false;
  /// A countersignature that does not pass makes the signature it countersigns fail with it.
  bool countersignature_failure_fails = true;
  /// Revocation data without nextUpdate is usable for this long after its thisUpdate.
  std::chrono::seconds revocation_max_age{24 * 3600};
  bool require_signing_key_usage = true;          ///< digitalSignature or nonRepudiation on the signer
  bool require_document_eku = true;               ///< if EKU present: documentSigning, emailProtection or anyEKU
  /// Fetch what is missing over HTTP(S): CRLs from distribution points, OCSP answers from the
  /// certificates' responders, and (fetch_ca_issuers) missing CA certificates from caIssuers.
  /// On by default, so that a fresh signature from a reachable CA can pass; `--offline` turns
  /// every network access off.
  bool fetch_revocation = true;
  bool fetch_ca_issuers = true;                   ///< complete chains from AIA caIssuers (with fetch_revocation)
  /// Which evidence is sought first for a certificate that has both (the other is the fallback).
  enum class RevocationOrder { ocsp_first, crl_first };
  RevocationOrder revocation_order = RevocationOrder::ocsp_first;
  /// OCSP requests made here carry a nonce (RFC 8954); a response that echoes another nonce is
  /// refused. `require`: also refuse fetched responses without the nonce.
  enum class OcspNonce { send, require, off };
  OcspNonce ocsp_nonce = OcspNonce::send;
  /// With proof of existence (a time-stamp), revocation evidence must be issued after it, less
  /// this allowance: 0 = strictly after (EN 319 102-1 §5.6.2.4). For the signer's certificate,
  /// and for CA certificates (whose CRLs an offline root may publish monthly).
  std::chrono::seconds revocation_freshness{0};
  std::chrono::seconds ca_revocation_freshness{0};
  /// Disk cache of fetched CRLs and CA certificates (kept until their nextUpdate / a day).
  bool cache = true;
  std::string cache_dir;                          ///< empty: $XSIGN_CACHE_DIR, else $XDG_CACHE_HOME/xsign, else ~/.cache/xsign
  std::size_t cache_max_bytes = 64u * 1024 * 1024;
  std::chrono::seconds fetch_timeout{5};          ///< total time of one fetch
  std::chrono::seconds fetch_total_timeout{20};   ///< total time of all fetches of one validation
  std::size_t fetch_max_bytes = 16u * 1024 * 1024;  ///< total bytes of all fetches of one validation
  std::size_t fetch_max_requests = 16;            ///< fetches per validation
  /// After a fetch fails, this process asks neither the cache nor the network for the same URL
  /// (OCSP question) again until this long after the failure; 0: every validation retries.
  std::chrono::seconds fetch_retry_after{60};
  bool fetch_private_addresses = false;           ///< fetch from loopback / private / link-local addresses
  std::string tls_ca_file;                        ///< PEM CA certificates trusted for https:// fetches besides the system's
  /// "ru": the signer's certificate must follow the Russian qualified profile (FSB order
  /// No. 795; see missing_ru_qualified_fields). Empty: no national profile is required.
  std::string qualified_profile;
  /// GOST R 34.10-2001 (keys and certificate signatures) is acceptable for a signature judged
  /// before this time: its time-stamp, or the validation time (--at) without one. The FSB ended
  /// signing with 2001 on 2019-12-31. nullopt: never (unless "gost2001" is in accepted_suites).
  std::optional<TimePoint> gost2001_until = TimePoint{std::chrono::sys_days{std::chrono::year{2020} / 1 / 1}};

  /// Loads a policy file (TOML); unknown fields are errors naming the field.
  static ValidationPolicy load(const std::string& path);
  bool accepts(Suite s) const;
  /// accepts(s), and GOST R 34.10-2001 for a signature judged at `at` < gost2001_until.
  bool accepts(Suite s, TimePoint at) const;
};

std::string_view revocation_mode_name(ValidationPolicy::Revocation r);

/// One entry of a service's status history.
struct ServiceStatus {
  std::string status;  ///< "granted" or "withdrawn"
  TimePoint since{};
};

/// A trust service a list recognizes: a CA, a time-stamping authority or an OCSP responder,
/// with its certificate and status history.
struct TrustService {
  std::string name;
  std::string territory;  ///< country of the service, e.g. "CN"
  /// The TS 119 612 service type without its "http://uri.etsi.org/TrstSvc/Svctype/" prefix:
  /// "CA/QC", "CA/PKC", "TSA/QTST", "TSA", "Certstatus/OCSP/QC", "Certstatus/OCSP"; a type from
  /// another namespace keeps its whole URI. ("CA" is the JSON lists' older spelling of CA/QC.)
  std::string type = "CA/QC";
  Certificate certificate;
  std::vector<ServiceStatus> history;  ///< oldest first; the last entry is the current status
  std::string provider;  ///< the trust service provider (TSPName); empty: the certificate's O, else CN
  /// Status at a time: the newest history entry not after `t` (nullopt before the first).
  std::optional<std::string> status_at(TimePoint t) const;
  bool is_ca() const { return type == "CA" || type.rfind("CA/", 0) == 0; }
  bool is_tsa() const { return type.rfind("TSA", 0) == 0; }
  bool is_ocsp() const { return type.rfind("Certstatus/OCSP", 0) == 0; }
};

/// A list of lists points to the lists it federates (TS 119 612 §5.3.13).
struct TrustListPointer {
  std::string location;        ///< TSLLocation: where the list is published (http/https URL)
  std::string territory;       ///< the pointed list's SchemeTerritory
  std::string operator_name;   ///< its SchemeOperatorName
  bool list_of_lists = false;  ///< its TSLType is itself a list of lists
  /// ServiceDigitalIdentities: the pointed list must be signed with one of these certificates.
  std::vector<Certificate> signers;
};

/// A trust list: which CAs, TSAs and OCSP responders a trust authority recognizes, or (a list of
/// lists) where the lists of each country are and who signs them.
struct TrustList {
  std::string operator_name;
  std::string territory;  ///< the operator's country
  std::uint64_t sequence_number = 1;
  TimePoint issued{}, next_update{};
  std::vector<TrustService> services;
  bool list_of_lists = false;
  std::vector<TrustListPointer> pointers;
  std::string street, locality;  ///< the operator's postal address (XML form)
  std::string contact;           ///< its electronic address: mailto: or https: (required in XML)
  std::string information_uri;   ///< SchemeInformationURI / TSPInformationURI (empty: `contact`)
  std::vector<std::string> distribution_points;  ///< where this list is published

  /// JSON form of xsign 0.1 (docs/formats.md); parse throws FormatError naming what is wrong.
  std::string to_json() const;
  static TrustList from_json(const std::string& json);
  /// ETSI TS 119 612 v2.2.1 XML (TrustServiceStatusList), unsigned.
  Bytes to_xml() const;
  /// Reads TS 119 612 XML (signed or not; the signature is not checked here).
  static TrustList from_xml(ByteView xml, const std::string& what = "trust list");
  /// The TSLType URI of this list.
  std::string tsl_type() const;
};

/// Signs a trust list in the authority's suite: XML lists (the default) as TS 119 612 XML with an
/// enveloped XAdES-B signature, JSON lists as CMS SignedData with the JSON attached.
enum class TrustListFormat { xml, json };
Bytes sign_trust_list(const TrustList& list, const SignerSpec& authority, TrustListFormat format = TrustListFormat::xml);
/// Signs the bytes of a TS 119 612 list as they are (an enveloped XAdES-B signature is added).
Bytes sign_trust_list_xml(ByteView unsigned_xml, const SignerSpec& authority);

/// Result of checking a signed trust list.
struct TrustListCheck {
  bool ok = false;
  std::string message;
  std::optional<TrustList> list;
  std::string signer;  ///< the authority that signed it
  std::optional<Certificate> signer_certificate;
};

/// Checks a signed trust list (XML or CMS, found by content): its signature, the signer's path to
/// one of `anchors` (the verifier's own roots) and freshness at `at`.
TrustListCheck verify_trust_list(ByteView signed_list, const std::vector<Certificate>& anchors,
                                 const std::vector<Certificate>& intermediates, TimePoint at,
                                 const ValidationPolicy& policy = {});
/// Checks a list a list of lists points to: signed (XML) by one of the pointer's certificates,
/// for the pointer's territory, fresh at `at`.
TrustListCheck verify_pointed_trust_list(ByteView signed_list, const TrustListPointer& pointer, TimePoint at,
                                         const ValidationPolicy& policy = {});

/// The pointer a list of lists carries for a signed TS 119 612 list published at `location`:
/// its territory, operator and type, and the certificate that signed it (the signature must hold;
/// whether the signer is the right authority is for the operator of the list of lists to know).
TrustListPointer trust_list_pointer(ByteView signed_xml, const std::string& location);

/// Every service recognized by the verified lists of a trust store, following lists of lists.
struct RecognizedServices {
  struct Entry {
    TrustService service;
    std::string list;  ///< the verified list that names it (the check's message)
  };
  std::vector<Entry> services;
  std::vector<std::string> warnings;  ///< lists ignored and why
  std::vector<std::string> lists;     ///< lists used, one line each
};
/// Fetches a pointed list: its bytes (from a cache, unless `use_cache` is false, or the
/// network), or nullopt with a warning. `remember(url, bytes, next_update)` is called for a list
/// that passed its checks.
struct TrustListFetch {
  std::function<std::optional<Bytes>(const std::string& url, std::vector<std::string>& warnings, bool use_cache)> get;
  std::function<void(const std::string& url, ByteView body, TimePoint next_update)> remember;
};
/// Verifies the trust store's lists against its anchors; a verified list of lists brings in the
/// lists it points to: a file of the trust store signed by the pointer's certificate, else
/// fetched from its location with `fetch` (when given). Depth: one level below the first list.
RecognizedServices recognized_services(const std::vector<std::pair<std::string, Bytes>>& lists,
                                       const std::vector<Certificate>& anchors,
                                       const std::vector<Certificate>& intermediates, TimePoint at,
                                       const ValidationPolicy& policy, const TrustListFetch* fetch = nullptr);

/// An attached CMS object (trust list, receipt) checked against a verifier's own anchors.
struct SignedObjectCheck {
  enum class Failure { none, format, signature, untrusted_signer, policy };
  Failure failure = Failure::format;
  std::string message;
  std::optional<Certificate> signer;
  Bytes content;  ///< the attached content, when the checks passed
  bool ok() const { return failure == Failure::none; }
};

/// CMS SignedData with `content` attached, signed by `signer` (used for trust lists and receipts).
Bytes sign_attached(ByteView content, const SignerSpec& signer);

/// Checks an attached single-signer CMS object: its signature, and its signer's path to one of
/// `anchors` at `at`. `what` names the object in messages ("trust list", "receipt").
SignedObjectCheck verify_signed_object(ByteView der, const std::vector<Certificate>& anchors,
                                       const std::vector<Certificate>& intermediates, TimePoint at,
                                       const ValidationPolicy& policy, const std::string& what);

/// A CRL with where it came from (for the report).
struct CrlSource {
  Crl crl;
  std::string origin;  ///< "embedded", "trust store: FILE", "file: FILE", "fetched: URL"
};

/// Trust anchors and supporting material.
struct TrustStore {
  std::vector<Certificate> anchors;
  std::vector<Certificate> intermediates;
  std::vector<CrlSource> crls;
  std::optional<ValidationPolicy> policy;  ///< policy.toml of a trust directory, if any
  /// Signed trust lists (lists/*.xml, lists/*.p7s), checked when used: (file, bytes).
  std::vector<std::pair<std::string, Bytes>> trust_lists;
  /// What was skipped while loading (unusable certificates and CRLs), one line each, naming it.
  std::vector<std::string> warnings;

  /// A PEM bundle of anchors, or a trust directory: anchors/, certs/, crls/, lists/, policy.toml.
  static TrustStore load(const std::string& path);
  /// Where `xsign verify` looks without --trust: $XSIGN_TRUST, else ~/.config/xsign/trust.
  static std::string default_location();
};

}  // namespace sign
