// Checks of the signer's own certificate before anything is signed: a signature made with an
// expired, not-yet-valid, revoked or wrongly typed certificate is useless to its recipient.
#pragma once

#include <sign/cms.hpp>

#include <string>
#include <vector>

namespace xsign {

/// What is wrong with signing with `signer` at its signing time (empty when nothing). With
/// `check_revocation`, the certificate's OCSP responder is asked (3 s) when its issuer is in
/// the chain; an unreachable responder is not a problem, a revoked answer is.
std::vector<std::string> signer_problems(const sign::SignerSpec& signer, bool check_revocation);

/// Prints the problems as warnings, or with `strict` refuses (UsageError) to sign.
void check_signer(const sign::SignerSpec& signer, bool strict);

}  // namespace xsign
