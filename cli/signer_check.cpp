#include "signer_check.hpp"

#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/ocsp.hpp>
#include <sign/tsp.hpp>

#include <algorithm>
#include <iostream>

namespace xsign {

std::vector<std::string> signer_problems(const sign::SignerSpec& signer, bool check_revocation) {
  std::vector<std::string> out;
  const auto& cert = signer.certificate;
  const auto at = signer.signing_time;
  if (at < cert.not_before())
    out.push_back("your certificate is not valid yet: from " + sign::format_time(cert.not_before()));
  if (at > cert.not_after()) out.push_back("your certificate expired at " + sign::format_time(cert.not_after()));
  if (!cert.key_usage_allows_signing())
    out.push_back("your certificate's keyUsage allows neither digitalSignature nor nonRepudiation");
  if (!cert.extended_key_usage_allows_documents())
    out.push_back("your certificate's extendedKeyUsage is not for signing documents");
  if (check_revocation && !cert.ocsp_urls().empty()) {
    for (const auto& issuer : signer.chain) {
      if (!(issuer.subject() == cert.issuer()) || !cert.verify_signature(issuer.public_key())) continue;
      try {
        sign::OcspRequest req;
        req.ids.push_back(sign::OcspCertId::of(cert, issuer));
        const auto resp = sign::OcspResponse::parse(
            sign::ocsp_http_query(cert.ocsp_urls().front(), req.encode(), std::chrono::seconds(3)));
        if (resp.response_status == 0 && resp.verify_signer(issuer))
          for (const auto& r : resp.responses)
            if (r.id.matches(issuer, cert.serial()) && r.status == sign::OcspCertStatus::revoked)
              out.push_back("your certificate is revoked" +
                            (r.revocation_time ? " since " + sign::format_time(*r.revocation_time) : std::string()) + " (" +
                            std::string(sign::reason_name(r.reason.value_or(sign::RevocationReason::unspecified))) + ")");
      } catch (const sign::Error& e) {
        std::cerr << "xsign: note: the revocation of your certificate could not be checked: "
                  << sign::printable_text(e.what()) << "\n";
      }
      break;
    }
  }
  return out;
}

void check_signer(const sign::SignerSpec& signer, bool strict) {
  const auto problems = signer_problems(signer, strict);
  if (problems.empty()) return;
  if (strict) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    throw sign::UsageError("refusing to sign (--strict): " + all);
  }
  for (const auto& p : problems)
    std::cerr << "xsign: warning: " << p << "; recipients will not accept this signature (--strict refuses)\n";
}

}  // namespace xsign
