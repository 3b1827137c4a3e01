// The individual rules of signature validation: signer constraints, algorithm policy,
// cross-border recognition, and the mapping of check and path outcomes to indications.
#include "validate/rules.hpp"

#include <algorithm>

namespace sign::detail {

using Ind = Indication;
using Sub = SubIndication;

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
  if (policy.require_signing_key_usage && !cert.key_usage_allows_signing())
    return Verdict{Ind::indeterminate, Sub::chain_constraints_failure,
                   "the signer's certificate does not allow signing (keyUsage has neither digitalSignature nor "
                   "nonRepudiation)"};
  if (policy.require_document_eku && !cert.extended_key_usage_allows_documents())
    return Verdict{Ind::indeterminate, Sub::chain_constraints_failure,
                   "the signer's certificate is not for document signing (extendedKeyUsage lacks documentSigning)"};
  return std::nullopt;
}

std::optional<Verdict> algorithm_policy(const std::vector<Certificate>& path, const ValidationPolicy& policy,
                                        TimePoint judged_at) {
  for (const auto& c : path) {
    const auto& key = c.public_key();
    const auto& curve = curve_info(key.curve_oid());
    if (!policy.accepts(key.suite(), judged_at) || curve.test_only || key.bits() < policy.min_key_bits)
      return Verdict{Ind::indeterminate, Sub::crypto_constraints_failure_no_poe,
                     "the key of '" + c.subject().to_string() + "' (" + std::string(suite_name(key.suite())) + ", " +
                         std::string(curve.name) + ") is not accepted by the validation policy"};
    const auto sig = c.signature_suite();
    if (!sig || !policy.accepts(*sig, judged_at))
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


}  // namespace sign::detail
