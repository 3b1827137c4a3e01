// What a parsed certificate holds. Internal to the pki module: certificate.cpp parses into
// it, and the files that derive values from one certificate alone (national_profile.cpp) keep
// them here, computed once per certificate, rather than in maps keyed by its fingerprint.
#pragma once

#include <sign/pki.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sign {

struct Certificate::Impl {
  // The SHA-256 fingerprint, computed on first use (path building and reports ask many times).
  mutable std::once_flag fingerprint_once;
  mutable std::string fingerprint;
  mutable std::once_flag serial_hex_once;  // every report names each certificate of the path by it
  mutable std::string serial_hex;
  // Subject == issuer, decided once: path building asks it of every candidate, and names that
  // differ only late (a root's and its issuing CA's) cost a long comparison each time.
  mutable std::once_flag self_issued_once;
  mutable bool self_issued = false;
  // Values derived from this certificate alone, made on first use and kept with it: the hash
  // of the DER per algorithm (ESS signing-certificate, OCSP, fingerprints) and the national
  // profile fields every report shows.
  mutable std::mutex derived_mutex;
  mutable std::map<DigestAlgorithm, Bytes> digests;
  mutable std::once_flag profile_once;
  mutable std::vector<ProfileField> profile;
  Bytes der;
  Bytes tbs;
  Bytes signature;
  std::string sig_alg_oid;
  DistinguishedName subject, issuer;
  Bytes serial;
  TimePoint not_before{}, not_after{};
  std::optional<PublicKey> public_key;
  bool is_ca = false;
  std::optional<unsigned> path_len;
  std::optional<unsigned> key_usage;
  std::vector<std::string> eku, policies, crl_urls, ocsp_urls, ca_issuers_urls;
  Bytes ski, aki;
  std::vector<DistinguishedName> permitted, excluded;
  bool has_policies = false;
  std::vector<PolicyMapping> policy_mappings;
  std::optional<unsigned> require_explicit_policy, inhibit_policy_mapping, inhibit_any_policy;
  std::vector<std::string> unknown_critical;
  bool name_constraints_unprocessed = false;
  std::vector<std::pair<std::string, Bytes>> extensions;  ///< every extension: OID, extnValue contents
};

}  // namespace sign
