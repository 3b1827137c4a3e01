// Signature validation (ETSI EN 319 102-1 basic signature, the subset our formats need):
// cryptography first, then the signer's certificate constraints, a path to one of the
// verifier's own anchors (possibly through a cross-certificate), algorithm policy and
// revocation — each failure mapped to its indication and sub-indication.
#include <sign/error.hpp>
#include <sign/validate.hpp>

#include "validate/fetch.hpp"

#include <algorithm>

namespace sign {
namespace {

using Ind = Indication;
using Sub = SubIndication;

constexpr std::string_view kAnyEku = "2.5.29.37.0";

struct Verdict {
  Ind indication;
  Sub sub;
  std::string message;
};

std::string domain_of(const Certificate& c) {
  const std::string country = c.subject().get(oids::country);
  return country.empty() ? "?" : country;
}

std::map<std::string, std::string> national_identifiers(const DistinguishedName& dn) {
  static const std::pair<std::string_view, std::string_view> kIds[] = {
      {"1.2.643.3.131.1.1", "INN"}, {"1.2.643.100.4", "INNLE"}, {"1.2.643.100.1", "OGRN"},
      {"1.2.643.100.5", "OGRNIP"},  {"1.2.643.100.3", "SNILS"},
  };
  std::map<std::string, std::string> out;
  for (const auto& [oid, name] : kIds)
    if (auto v = dn.get(oid); !v.empty()) out[std::string(name)] = v;
  if (auto org = dn.get(oids::organization_identifier); org.rfind("NTRCN-", 0) == 0) out["USCC"] = org.substr(6);
  else if (!org.empty()) out["organizationIdentifier"] = org;
  return out;
}

Verdict from_crypto(const SignerCheck& c) {
  using S = SignerCheck::Status;
  switch (c.status) {
    case S::valid: return {Ind::total_passed, Sub::none, ""};
    case S::hash_failure: return {Ind::total_failed, Sub::hash_failure, "the document is not the one that was signed: " + c.message};
    case S::signature_failure: return {Ind::total_failed, Sub::sig_crypto_failure, c.message};
    case S::signing_cert_mismatch: return {Ind::indeterminate, Sub::no_signing_certificate_found, c.message};
    case S::no_signer_certificate: return {Ind::indeterminate, Sub::no_signing_certificate_found, c.message};
    case S::unsupported_algorithm: return {Ind::indeterminate, Sub::crypto_constraints_failure_no_poe, c.message};
    case S::format_error: return {Ind::total_failed, Sub::format_failure, c.message};
  }
  return {Ind::total_failed, Sub::format_failure, "unknown check status"};
}

std::optional<Verdict> signer_constraints(const Certificate& cert, const ValidationPolicy& policy) {
  if (policy.require_signing_key_usage && cert.key_usage() &&
      !(*cert.key_usage() & (kDigitalSignature | kNonRepudiation)))
    return Verdict{Ind::indeterminate, Sub::chain_constraints_failure,
                   "the signer's certificate does not allow signing (keyUsage has neither digitalSignature nor "
                   "nonRepudiation)"};
  const auto eku = cert.extended_key_usage();
  if (policy.require_document_eku && !eku.empty() &&
      std::none_of(eku.begin(), eku.end(), [](const std::string& e) {
        return e == oids::eku_document_signing || e == oids::eku_email_protection || e == kAnyEku;
      }))
    return Verdict{Ind::indeterminate, Sub::chain_constraints_failure,
                   "the signer's certificate is not for document signing (extendedKeyUsage lacks documentSigning)"};
  if (!policy.required_policies.empty()) {
    const auto have = cert.policies();
    if (std::none_of(policy.required_policies.begin(), policy.required_policies.end(), [&](const std::string& p) {
          return std::find(have.begin(), have.end(), p) != have.end();
        }))
      return Verdict{Ind::indeterminate, Sub::chain_constraints_failure,
                     "the signer's certificate carries none of the certificate policies the validation policy requires"};
  }
  return std::nullopt;
}

std::optional<Verdict> algorithm_policy(const std::vector<Certificate>& path, const ValidationPolicy& policy) {
  for (const auto& c : path) {
    const auto& key = c.public_key();
    const auto& curve = curve_info(key.curve_oid());
    if (!policy.accepts(key.suite()) || curve.test_only || key.bits() < policy.min_key_bits)
      return Verdict{Ind::indeterminate, Sub::crypto_constraints_failure_no_poe,
                     "the key of '" + c.subject().to_string() + "' (" + std::string(suite_name(key.suite())) + ", " +
                         std::string(curve.name) + ") is not accepted by the validation policy"};
    const auto sig = c.signature_suite();
    if (!sig || !policy.accepts(*sig))
      return Verdict{Ind::indeterminate, Sub::crypto_constraints_failure_no_poe,
                     "the signature algorithm " + c.signature_algorithm_oid() + " on '" + c.subject().to_string() +
                         "' is not accepted by the validation policy"};
  }
  return std::nullopt;
}

Verdict from_path(const PathResult& r) {
  using S = PathResult::Status;
  switch (r.status) {
    case S::valid: return {Ind::total_passed, Sub::none, ""};
    case S::no_path:
    case S::bad_signature: return {Ind::indeterminate, Sub::no_certificate_chain_found, r.message};
    case S::expired:
      return {Ind::indeterminate, Sub::out_of_bounds_no_poe,
              r.message + "; no time-stamp proves the signature existed while it was valid"};
    case S::not_yet_valid: return {Ind::indeterminate, Sub::not_yet_valid, r.message};
    case S::revoked:
      return {Ind::indeterminate, Sub::revoked_no_poe,
              r.message + "; no time-stamp proves the signature existed before the revocation"};
    case S::constraints_failure: return {Ind::indeterminate, Sub::chain_constraints_failure, r.message};
    case S::revocation_unknown: return {Ind::indeterminate, Sub::try_later, r.message};
  }
  return {Ind::indeterminate, Sub::no_certificate_chain_found, r.message};
}

// A path is cross-border when a certificate in it belongs to another country than the anchor;
// the cross-certificate is the one an anchor-country CA issued to a foreign subject.
std::optional<Verdict> cross_border_policy(const std::vector<Certificate>& path, const ValidationPolicy& policy,
                                           bool& cross_border) {
  const std::string home = domain_of(path.back());
  cross_border = std::any_of(path.begin(), path.end(), [&](const Certificate& c) { return domain_of(c) != home; });
  if (!cross_border) return std::nullopt;
  if (!policy.allow_cross_border)
    return Verdict{Ind::indeterminate, Sub::no_certificate_chain_found,
                   "the only path is cross-border and the validation policy does not recognize cross-border paths"};
  if (policy.recognized_cross_certificates.empty()) return std::nullopt;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    const bool is_cross = domain_of(path[i]) != home && domain_of(path[i + 1]) == home;
    if (is_cross && std::find(policy.recognized_cross_certificates.begin(), policy.recognized_cross_certificates.end(),
                              path[i].fingerprint()) == policy.recognized_cross_certificates.end())
      return Verdict{Ind::indeterminate, Sub::no_certificate_chain_found,
                     "the cross-certificate for '" + path[i].subject().to_string() +
                         "' is not among those the validation policy recognizes"};
  }
  return std::nullopt;
}

// Revocation evidence for every certificate below the anchor, and the verdict the policy
// draws from missing or stale information (revoked certificates were already caught).
std::optional<Verdict> revocation(const std::vector<Certificate>& path, const std::vector<CrlSource>& sources,
                                  const std::vector<Crl>& crls, TimePoint at, const ValidationPolicy& policy,
                                  SignatureReport& report) {
  using R = ValidationPolicy::Revocation;
  if (policy.revocation == R::off) {
    report.warnings.push_back("revocation was not checked (validation policy: revocation = off)");
    return std::nullopt;
  }
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    const auto& cert = path[i];
    const Crl* crl = find_crl(cert, path[i + 1], crls, at);
    RevocationEvidence ev;
    ev.certificate = cert.subject().to_string();
    if (!crl) {
      ev.status = "unknown";
      report.revocation.push_back(ev);
      const std::string what = "no CRL from the issuer of '" + cert.subject().to_string() + "' is available";
      if (policy.revocation == R::require)
        return Verdict{Ind::indeterminate, Sub::try_later,
                       what + "; give one with --crl, put it in the trust store, or enable fetching"};
      report.warnings.push_back(what + " (revocation not checked for it)");
      continue;
    }
    const auto& src = sources[static_cast<std::size_t>(crl - crls.data())];
    ev.source = src.origin;
    ev.crl_issuer = crl->issuer().to_string();
    ev.crl_number = crl->crl_number();
    ev.this_update = crl->this_update();
    ev.next_update = crl->next_update();
    const RevokedEntry* entry = crl->find(cert.serial());
    ev.status = entry ? "revoked" : "good";
    if (entry) {
      ev.revocation_time = entry->revocation_time;
      ev.reason = reason_name(entry->reason);
    }
    report.revocation.push_back(ev);
    if (crl->next_update() && *crl->next_update() + policy.clock_skew < at) {
      const std::string what = "the newest CRL for '" + cert.subject().to_string() + "' expired at " +
                               format_time(*crl->next_update());
      if (policy.revocation == R::require)
        return Verdict{Ind::indeterminate, Sub::try_later, what + "; try again with a fresh CRL"};
      report.warnings.push_back(what);
    }
  }
  return std::nullopt;
}

PathEntry entry_for(const Certificate& c, std::size_t i, std::size_t n) {
  PathEntry e;
  const bool anchor = i + 1 == n;
  e.role = i == 0 ? "signer" : anchor ? "trust anchor" : "CA";
  e.subject = c.subject().to_string();
  e.issuer = c.issuer().to_string();
  e.serial = c.serial_hex();
  e.fingerprint = c.fingerprint();
  e.domain = domain_of(c);
  e.suite = std::string(suite_name(c.public_key().suite()));
  e.not_before = c.not_before();
  e.not_after = c.not_after();
  return e;
}

}  // namespace

std::string_view indication_name(Indication i) {
  switch (i) {
    case Ind::total_passed: return "TOTAL-PASSED";
    case Ind::total_failed: return "TOTAL-FAILED";
    case Ind::indeterminate: return "INDETERMINATE";
  }
  return "INDETERMINATE";
}

std::string_view sub_indication_name(SubIndication s) {
  switch (s) {
    case Sub::none: return "";
    case Sub::format_failure: return "FORMAT_FAILURE";
    case Sub::hash_failure: return "HASH_FAILURE";
    case Sub::sig_crypto_failure: return "SIG_CRYPTO_FAILURE";
    case Sub::revoked: return "REVOKED";
    case Sub::expired: return "EXPIRED";
    case Sub::not_yet_valid: return "NOT_YET_VALID";
    case Sub::sig_constraints_failure: return "SIG_CONSTRAINTS_FAILURE";
    case Sub::chain_constraints_failure: return "CHAIN_CONSTRAINTS_FAILURE";
    case Sub::crypto_constraints_failure_no_poe: return "CRYPTO_CONSTRAINTS_FAILURE_NO_POE";
    case Sub::no_signing_certificate_found: return "NO_SIGNING_CERTIFICATE_FOUND";
    case Sub::no_certificate_chain_found: return "NO_CERTIFICATE_CHAIN_FOUND";
    case Sub::revoked_no_poe: return "REVOKED_NO_POE";
    case Sub::out_of_bounds_no_poe: return "OUT_OF_BOUNDS_NO_POE";
    case Sub::try_later: return "TRY_LATER";
    case Sub::signed_data_not_found: return "SIGNED_DATA_NOT_FOUND";
  }
  return "";
}

Indication ValidationReport::overall() const {
  if (signatures.empty()) return Ind::total_failed;
  bool indeterminate = false;
  for (const auto& s : signatures) {
    if (s.indication == Ind::total_failed) return Ind::total_failed;
    if (s.indication == Ind::indeterminate) indeterminate = true;
  }
  return indeterminate ? Ind::indeterminate : Ind::total_passed;
}

ValidationReport format_failure_report(const std::string& file, const std::string& message) {
  ValidationReport r;
  r.signature_file = file;
  SignatureReport s;
  s.index = 1;
  s.indication = Ind::total_failed;
  s.sub_indication = Sub::format_failure;
  s.message = message;
  r.signatures.push_back(s);
  return r;
}

ValidationReport validate_signed_data(const SignedDataView& sd, const std::optional<Content>& content,
                                      const TrustStore& trust, const ValidationPolicy& policy,
                                      const ValidateOptions& options) {
  ValidationReport report;
  const TimePoint at = options.validation_time.value_or(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  const std::string time_source = options.validation_time ? "given (--at)" : "current time: the signature has no time-stamp";

  CheckOptions check_options;
  check_options.sign_options = options.sign_options;
  check_options.extra_certificates = options.extra_certificates;
  const auto checks = check_signatures(sd, content, check_options);

  // Supporting material: the verifier's pool, what the signature carries, what was given.
  std::vector<Certificate> pool = trust.intermediates;
  for (const auto& c : sd.certificates()) pool.push_back(c);
  for (const auto& c : options.extra_certificates) pool.push_back(c);
  std::vector<CrlSource> sources = trust.crls;
  std::vector<std::string> material_warnings;
  for (const auto& der : sd.crl_ders()) {
    try {
      sources.push_back({Crl::from_der(der), "embedded in the signature"});
    } catch (const FormatError& e) {
      material_warnings.push_back(std::string("an embedded CRL was ignored: ") + e.what());
    }
  }
  for (const auto& s : options.extra_crls) sources.push_back(s);
  if (policy.fetch_revocation && policy.revocation != ValidationPolicy::Revocation::off) {
    std::vector<Certificate> all = pool;
    for (const auto& c : checks)
      if (c.certificate) all.push_back(*c.certificate);
    for (auto& fetched : detail::fetch_crls(all, policy.fetch_timeout, material_warnings)) sources.push_back(std::move(fetched));
  }
  std::vector<Crl> crls;
  for (const auto& s : sources) crls.push_back(s.crl);

  for (std::size_t i = 0; i < checks.size(); ++i) {
    const auto& check = checks[i];
    SignatureReport r;
    r.index = i + 1;
    r.validation_time = at;
    r.validation_time_source = time_source;
    r.claimed_signing_time = check.signing_time;
    r.digest_algorithm = check.digest_oid;
    r.signature_algorithm = check.signature_oid;
    r.warnings = material_warnings;
    if (check.commitment != Commitment::none) r.commitment = commitment_name(check.commitment);
    if (check.certificate) {
      r.signer = check.certificate->subject().to_string();
      r.identifiers = national_identifiers(check.certificate->subject());
      r.signer_domain = domain_of(*check.certificate);
      r.suite = std::string(suite_name(check.certificate->public_key().suite()));
    }
    if (!check.signing_certificate_checked && check.ok())
      r.warnings.push_back("no signingCertificateV2 attribute: the signer's certificate is not bound to the signature");

    auto decide = [&]() -> Verdict {
      Verdict crypto = from_crypto(check);
      if (crypto.indication != Ind::total_passed) return crypto;
      const Certificate& cert = *check.certificate;
      if (!policy.accepts(cert.public_key().suite()))
        return {Ind::indeterminate, Sub::crypto_constraints_failure_no_poe,
                "suite " + r.suite + " is not accepted by the validation policy"};
      if (auto v = signer_constraints(cert, policy)) return *v;
      PathOptions po;
      po.anchors = trust.anchors;
      po.intermediates = pool;
      po.crls = policy.revocation == ValidationPolicy::Revocation::off ? std::vector<Crl>{} : crls;
      po.validation_time = at;
      po.clock_skew = policy.clock_skew;
      const PathResult path = validate_path(cert, po);
      for (std::size_t k = 0; k < path.path.size(); ++k) r.path.push_back(entry_for(path.path[k], k, path.path.size()));
      if (!path.path.empty() && path.status != PathResult::Status::no_path) {
        bool cross = false;
        if (auto v = cross_border_policy(path.path, policy, cross)) return *v;
        r.cross_border = cross;
        for (std::size_t k = 1; k + 1 < path.path.size(); ++k)
          if (domain_of(path.path[k]) != domain_of(path.path.back()) && domain_of(path.path[k + 1]) == domain_of(path.path.back()))
            r.path[k].role = "cross-certificate";
      }
      if (!path.ok()) {
        // The report shows the CRL that revoked the certificate.
        if (path.status == PathResult::Status::revoked) (void)revocation(path.path, sources, crls, at, policy, r);
        return from_path(path);
      }
      if (auto v = algorithm_policy(path.path, policy)) return *v;
      if (auto v = revocation(path.path, sources, crls, at, policy, r)) return *v;
      return {Ind::total_passed, Sub::none,
              r.cross_border ? "the signature is valid; its signer is recognized through a cross-certificate"
                             : "the signature is valid"};
    };
    const Verdict v = decide();
    r.indication = v.indication;
    r.sub_indication = v.sub;
    r.message = v.message;
    report.signatures.push_back(std::move(r));
  }
  return report;
}

}  // namespace sign
