// Internal: the individual rules of signature validation (each outcome mapped to an
// indication and sub-indication), used by the Validator (validate/validator.hpp).
#pragma once

#include <sign/validate.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sign::detail {

/// An indication, its sub-indication and the sentence that explains it.
struct Verdict {
  Indication indication;
  SubIndication sub;
  std::string message;
};

/// Country (C=) of a certificate's subject, "?" when absent.
std::string domain_of(const Certificate& c);
/// INN, OGRN, USCC, ... of a subject, by name.
std::map<std::string, std::string> national_identifiers(const DistinguishedName& dn);
/// The cryptographic check's outcome as a verdict.
Verdict from_crypto(const SignerCheck& c);
/// keyUsage and extendedKeyUsage of the signer's certificate.
std::optional<Verdict> signer_constraints(const Certificate& cert, const ValidationPolicy& policy);
/// Suites, curves and key sizes of every certificate of a path.
/// Keys and certificate signatures of the path against the policy, for a signature judged at
/// `judged_at` (its proof of existence, or the validation time).
std::optional<Verdict> algorithm_policy(const std::vector<Certificate>& path, const ValidationPolicy& policy,
                                        TimePoint judged_at);
/// Path validation's outcome as a verdict.
Verdict from_path(const PathResult& r);
/// Whether a cross-border path is recognized; sets `cross_border`.
std::optional<Verdict> cross_border_policy(const std::vector<Certificate>& path, const ValidationPolicy& policy,
                                           bool& cross_border);
/// One certificate of the path as the report shows it.
PathEntry entry_for(const Certificate& c, std::size_t i, std::size_t n);

}  // namespace sign::detail
