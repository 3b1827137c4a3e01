// The public entry points of signature validation (validate.hpp): each builds a Validator
// (validate/validator.hpp) over one file's signatures and asks it for reports or for the
// validation data to embed.
#include <sign/error.hpp>
#include <sign/validate.hpp>

#include "validate/validator.hpp"

namespace sign {

using detail::Validator;

CompleteValidationData collect_complete_validation_data(const SignedDataView& sd, std::size_t index,
                                                        const TrustStore& trust, const ValidationPolicy& policy,
                                                        const ValidateOptions& options, std::vector<std::string>& problems) {
  if (index >= sd.signers().size()) throw UsageError("there is no signer " + std::to_string(index + 1));
  Validator validator(sd, trust, policy, options);
  const auto cert = sd.find_signer_certificate(sd.signers()[index], options.extra_certificates);
  if (!cert) {
    problems.push_back("the certificate of signer " + std::to_string(index + 1) + " is not available");
    return {};
  }
  return validator.complete(*cert, {}, problems);
}

ValidationData collect_validation_data(const SignedDataView& sd, const TrustStore& trust, const ValidationPolicy& policy,
                                       const ValidateOptions& options, bool signers) {
  Validator validator(sd, trust, policy, options);
  ValidationData out;
  for (std::size_t i = 0; i < sd.signers().size(); ++i) {
    if (const auto cert = sd.find_signer_certificate(sd.signers()[i], options.extra_certificates); cert && signers)
      validator.collect(*cert, {}, out);
    for (const auto& [tsa, token_certs] : Validator::tsa_certificates(sd.signers()[i])) validator.collect(tsa, token_certs, out);
  }
  return out;
}

ValidationData collect_xml_validation_data(const std::vector<XmlSignatureCheck>& checks, const TrustStore& trust,
                                           const ValidationPolicy& policy, const ValidateOptions& options) {
  Validator validator(checks, trust, policy, options);
  ValidationData out;
  for (const auto& c : checks) {
    if (!c.check.ok() || !c.check.certificate) {
      out.problems.push_back(c.element + ": " + c.check.message);
      continue;
    }
    validator.collect(*c.check.certificate, {}, out);
    std::vector<std::pair<Certificate, std::vector<Certificate>>> tsas;
    for (const auto& stamp : c.signature_time_stamps) Validator::add_tsa_certificate(stamp.token, tsas);
    for (const auto& [tsa, token_certs] : tsas) validator.collect(tsa, token_certs, out);
  }
  return out;
}

TimeStampEvidence validate_time_stamp(ByteView token_der, ByteView stamped, const TrustStore& trust,
                                      const ValidationPolicy& policy, const ValidateOptions& options) {
  const Bytes der(token_der.begin(), token_der.end());
  std::optional<SignedDataView> sd;
  try {
    sd = SignedDataView::parse(memory_source(der));
  } catch (const FormatError& e) {
    TimeStampEvidence ev;
    ev.message = std::string("malformed time-stamp token: ") + e.what();
    return ev;
  }
  Validator validator(*sd, trust, policy, options);
  return validator.time_stamp_evidence(der, stamped);
}

ValidationReport validate_xml_signatures(ByteView xml, const std::string& what, const DetachedFiles& documents,
                                         const TrustStore& trust, const ValidationPolicy& policy,
                                         const ValidateOptions& options) {
  XmlCheckOptions check_options;
  check_options.sign_options = options.sign_options;
  check_options.extra_certificates = options.extra_certificates;
  check_options.allow_partial = policy.xml_partial_references;
  const auto checks = check_xml_signatures(xml, what, documents, check_options);
  Validator validator(checks, trust, policy, options);
  ValidationReport report;
  for (std::size_t i = 0; i < checks.size(); ++i) report.signatures.push_back(validator.evaluate_xml(checks[i], i + 1));
  return report;
}

ValidationReport validate_signed_data(const SignedDataView& sd, const std::optional<Content>& content,
                                      const TrustStore& trust, const ValidationPolicy& policy,
                                      const ValidateOptions& options) {
  CheckOptions check_options;
  check_options.sign_options = options.sign_options;
  check_options.extra_certificates = options.extra_certificates;
  const auto checks = check_signatures(sd, content, check_options);
  Validator validator(sd, trust, policy, options, content);
  ValidationReport report;
  for (std::size_t i = 0; i < checks.size(); ++i) report.signatures.push_back(validator.run(i, checks[i], sd.signers()[i]));
  return report;
}

RecognizedServices resolve_trust_lists(const std::vector<std::pair<std::string, Bytes>>& lists, const TrustStore& trust,
                                       const ValidationPolicy& policy, TimePoint at) {
  detail::Fetcher fetcher(policy);
  const TrustListFetch fetch = fetcher.trust_list_fetch();
  return recognized_services(lists, trust.anchors, trust.intermediates, at, policy, &fetch);
}

}  // namespace sign
