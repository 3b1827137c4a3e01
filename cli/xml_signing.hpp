// The XAdES side of `sign`, `cosign` and `extend`: what differs from CMS is the output (XML
// built in memory, written atomically) and how each level's additions are made.
#pragma once

#include "trust_setup.hpp"

#include <sign/io.hpp>
#include <sign/xades.hpp>

#include <string>

namespace xsign {

struct XmlSignRequest {
  std::string input, out;
  sign::XadesOptions options;
  std::string level = "B", tsa, tsa_ca;
  const TrustArgs* trust = nullptr;  ///< for LT / LTA
};

/// Where `sign --format xades` writes by default: invoice.xml -> invoice.signed.xml (enveloped,
/// enveloping), DOC -> DOC.sig.xml (detached).
std::string default_xml_output(const std::string& input, sign::XmlPlacement placement);

/// Signs one document as XAdES at the requested level and writes `out` atomically.
void sign_xml(const XmlSignRequest& request, const sign::SignerSpec& signer, sign::Overwrite overwrite);

/// Adds a parallel signature to signed XML (`cosign`).
void cosign_xml(const std::string& input, const std::string& out, const sign::SignerSpec& signer,
                const sign::XadesOptions& options, sign::Overwrite overwrite);

/// Raises the XAdES signatures of `input` to `to` (T, LT or LTA); `document` is the file a
/// detached signature names (LTA covers it).
void extend_xml(const std::string& input, const std::string& document, const std::string& out, const std::string& to,
                const std::string& tsa, const std::string& tsa_ca, const TrustArgs& trust, sign::Overwrite overwrite);

/// True when the file starts like XML.
bool is_xml_file(const std::string& path);

}  // namespace xsign
