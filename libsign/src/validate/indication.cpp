// Names of indications and the overall verdict of a report.
#include <sign/validate.hpp>

namespace sign {

using Ind = Indication;
using Sub = SubIndication;

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

}  // namespace sign
