// Writing and reading ASiCManifest files with the xml module (libxml2, no DTDs, no network).
#include "asic/manifest.hpp"

#include "xades/xades_internal.hpp"
#include "xml/xml.hpp"

#include <sign/error.hpp>

namespace sign::detail {

using namespace xml;

using xades_detail::name_to_uri;
using xades_detail::uri_to_name;

Bytes write_manifest(const AsicManifest& manifest, XmlSm2Uris sm2_uris) {
  Document doc = Document::create(kAsicNs, "asic", "ASiCManifest");
  Node* sig = add_element(doc.root(), kAsicNs, "asic", "SigReference");
  set_attribute(sig, "URI", name_to_uri(manifest.signature_uri));
  set_attribute(sig, "MimeType", "application/x-pkcs7-signature");
  for (const auto& r : manifest.references) {
    Node* ref = add_element(doc.root(), kAsicNs, "asic", "DataObjectReference");
    set_attribute(ref, "URI", name_to_uri(r.uri));
    if (!r.mime_type.empty()) set_attribute(ref, "MimeType", r.mime_type);
    set_attribute(add_element(ref, kDsNs, "ds", "DigestMethod"), "Algorithm",
                  xades_detail::digest_uri(r.digest, sm2_uris));
    add_element(ref, kDsNs, "ds", "DigestValue", base64(r.value));
  }
  return doc.serialize();
}

AsicManifest parse_manifest(ByteView bytes, const std::string& what) {
  const Document doc = Document::parse(bytes, what);
  if (!is_element(doc.root(), kAsicNs, "ASiCManifest"))
    throw FormatError(what + " is not an ASiCManifest (its root is " + local_name(doc.root()) + ")");
  AsicManifest m;
  bool sig_seen = false;
  for (Node* e : child_elements(doc.root())) {
    if (is_element(e, kAsicNs, "SigReference")) {
      if (sig_seen) throw FormatError(what + " has more than one SigReference");
      sig_seen = true;
      m.signature_uri = uri_to_name(attribute(e, "URI").value_or(""));
    } else if (is_element(e, kAsicNs, "DataObjectReference")) {
      ManifestReference r;
      r.uri = uri_to_name(attribute(e, "URI").value_or(""));
      if (r.uri.empty()) throw FormatError(what + ": a DataObjectReference has no URI");
      r.mime_type = attribute(e, "MimeType").value_or("");
      const Node* method = only_child(e, kDsNs, "DigestMethod");
      const Node* value = only_child(e, kDsNs, "DigestValue");
      if (!method || !value) throw FormatError(what + ": reference '" + printable_text(r.uri) + "' has no digest");
      const std::string alg = attribute(method, "Algorithm").value_or("");
      const auto digest = xades_detail::digest_from_uri(alg);
      if (!digest) throw FormatError(what + ": digest method '" + printable_text(alg) + "' is not supported");
      r.digest = *digest;
      r.value = unbase64(text(value), "a DigestValue");
      if (r.value.size() != digest_size(r.digest))
        throw FormatError(what + ": the digest of '" + printable_text(r.uri) + "' has the wrong length");
      m.references.push_back(std::move(r));
    }
    // Extensions (asic:ASiCManifestExtensions) and unknown elements carry nothing we rely on.
  }
  if (!sig_seen) throw FormatError(what + " has no SigReference: it does not say which signature it belongs to");
  if (m.references.empty()) throw FormatError(what + " references no document");
  return m;
}

}  // namespace sign::detail
