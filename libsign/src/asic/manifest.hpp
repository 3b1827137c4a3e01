// ASiCManifest (EN 319 162-1 §A.4): what a CAdES signature in an ASiC-E container signs — the
// signature file it belongs to and a digest of each document it covers.
#pragma once

#include <sign/asic.hpp>

#include <string>
#include <vector>

namespace sign::detail {

inline constexpr std::string_view kAsicNs = "http://uri.etsi.org/02918/v1.2.1#";

struct ManifestReference {
  std::string uri;  ///< the document's name in the container (percent-decoded)
  std::string mime_type;
  DigestAlgorithm digest{};
  Bytes value;
};

struct AsicManifest {
  std::string signature_uri;  ///< the signature file that signs this manifest
  std::vector<ManifestReference> references;
};

/// The manifest as XML (UTF-8, DER-like: no whitespace between elements).
Bytes write_manifest(const AsicManifest& manifest, XmlSm2Uris sm2_uris);
/// Parses untrusted manifest XML; FormatError naming `what` when it is not an ASiCManifest.
AsicManifest parse_manifest(ByteView xml, const std::string& what);

}  // namespace sign::detail
