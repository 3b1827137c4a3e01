// Making XAdES-B signatures: the ds:Signature skeleton, the QualifyingProperties, digests of
// the references, then the signature over the canonical SignedInfo.
#include "xades/xades_internal.hpp"

#include <sign/error.hpp>

#include <filesystem>

namespace sign {

using namespace xades_detail;
using namespace xml;

bool looks_like_xml(ByteView head) {
  std::size_t i = 0;
  if (head.size() >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;  // UTF-8 BOM
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  return i < head.size() && head[i] == '<';
}

namespace {

std::string_view commitment_uri(Commitment c) {
  switch (c) {
    case Commitment::proof_of_origin: return "http://uri.etsi.org/01903/v1.2.2#ProofOfOrigin";
    case Commitment::proof_of_receipt: return "http://uri.etsi.org/01903/v1.2.2#ProofOfReceipt";
    case Commitment::proof_of_approval: return "http://uri.etsi.org/01903/v1.2.2#ProofOfApproval";
    case Commitment::none: break;
  }
  return {};
}

Bytes read_all(const Content& c, const std::string& what) {
  if (c.source->size() > kMaxXmlBytes)
    throw FormatError(what + " is larger than " + std::to_string(kMaxXmlBytes >> 20) +
                      " MiB: sign it detached (--detached), which streams it");
  Bytes out;
  out.reserve(c.source->size());
  c.source->stream_range(0, c.source->size(), [&](ByteView b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

struct Skeleton {
  Node* signature;
  Node* signed_info;
  Node* signed_properties;
  std::string id;
};

// Adds a reference; its digest is filled in by complete(), once every node it covers exists.
Node* add_reference(Node* signed_info, std::string_view uri, std::string_view digest, std::string_view id = {},
                    std::string_view type = {}) {
  Node* ref = add_element(signed_info, kDsNs, "ds", "Reference");
  if (!id.empty()) set_attribute(ref, "Id", id);
  if (!type.empty()) set_attribute(ref, "Type", type);
  set_attribute(ref, "URI", uri);
  add_element(ref, kDsNs, "ds", "Transforms");
  set_attribute(add_element(ref, kDsNs, "ds", "DigestMethod"), "Algorithm", digest);
  add_element(ref, kDsNs, "ds", "DigestValue");
  return ref;
}

Node* add_transform(Node* ref, std::string_view algorithm) {
  Node* t = add_element(children(ref, kDsNs, "Transforms")[0], kDsNs, "ds", "Transform");
  set_attribute(t, "Algorithm", algorithm);
  return t;
}

Skeleton make_skeleton(Node* parent, bool is_root, const SignerSpec& signer, const XadesOptions& options,
                       std::string_view data_uri, std::string_view mime, bool enveloped, const std::string& id) {
  Skeleton s;
  s.id = "xsign-" + id;
  s.signature = is_root ? parent : add_element(parent, kDsNs, "ds", "Signature");
  set_attribute(s.signature, "Id", s.id);
  const Suite suite = signer.key.suite();
  const SuiteUris uris = suite_uris(suite, options.sm2_uris);
  s.signed_info = add_element(s.signature, kDsNs, "ds", "SignedInfo");
  set_attribute(add_element(s.signed_info, kDsNs, "ds", "CanonicalizationMethod"), "Algorithm",
                c14n_uri(C14n::exclusive));
  set_attribute(add_element(s.signed_info, kDsNs, "ds", "SignatureMethod"), "Algorithm", uris.signature);
  Node* data_ref = add_reference(s.signed_info, data_uri, uris.digest, s.id + "-ref-0");
  if (enveloped && !options.parallel) add_transform(data_ref, kEnvelopedTransform);
  if (enveloped && options.parallel) {
    // The expression's ds: prefix is the one in scope on the Signature element.
    Node* xp = add_element(add_transform(data_ref, kXPathFilter2), kXPathFilter2, "dsig-xpath", "XPath", kAllSignatures);
    set_attribute(xp, "Filter", "subtract");
  }
  if (data_uri.empty() || data_uri[0] == '#') add_transform(data_ref, c14n_uri(C14n::exclusive));
  add_reference(s.signed_info, "#" + s.id + "-signedprops", uris.digest, {}, kSignedPropertiesType);
  add_transform(children(s.signed_info, kDsNs, "Reference")[1], c14n_uri(C14n::exclusive));
  add_element(s.signature, kDsNs, "ds", "SignatureValue");
  set_attribute(children(s.signature, kDsNs, "SignatureValue")[0], "Id", s.id + "-sigvalue");
  Node* x509 = add_element(add_element(s.signature, kDsNs, "ds", "KeyInfo"), kDsNs, "ds", "X509Data");
  add_element(x509, kDsNs, "ds", "X509Certificate", base64(signer.certificate.der()));
  if (options.include_chain)
    for (const auto& c : signer.chain) add_element(x509, kDsNs, "ds", "X509Certificate", base64(c.der()));

  Node* qp = add_element(add_element(s.signature, kDsNs, "ds", "Object"), kXadesNs, "xades", "QualifyingProperties");
  set_attribute(qp, "Target", "#" + s.id);
  s.signed_properties = add_element(qp, kXadesNs, "xades", "SignedProperties");
  set_attribute(s.signed_properties, "Id", s.id + "-signedprops");
  Node* ssp = add_element(s.signed_properties, kXadesNs, "xades", "SignedSignatureProperties");
  add_element(ssp, kXadesNs, "xades", "SigningTime", xml_time(signer.signing_time));
  Node* cert = add_element(add_element(ssp, kXadesNs, "xades", "SigningCertificateV2"), kXadesNs, "xades", "Cert");
  Node* cert_digest = add_element(cert, kXadesNs, "xades", "CertDigest");
  const DigestAlgorithm alg = suite_info(suite).digest;
  set_attribute(add_element(cert_digest, kDsNs, "ds", "DigestMethod"), "Algorithm", digest_uri(alg, options.sm2_uris));
  add_element(cert_digest, kDsNs, "ds", "DigestValue", base64(digest_bytes(alg, signer.certificate.der())));
  add_element(cert, kXadesNs, "xades", "IssuerSerialV2", base64(issuer_serial_der(signer.certificate)));
  Node* sdop = add_element(s.signed_properties, kXadesNs, "xades", "SignedDataObjectProperties");
  Node* format = add_element(sdop, kXadesNs, "xades", "DataObjectFormat");
  set_attribute(format, "ObjectReference", "#" + s.id + "-ref-0");
  add_element(format, kXadesNs, "xades", "MimeType", mime);
  if (signer.commitment != Commitment::none) {
    Node* cti = add_element(sdop, kXadesNs, "xades", "CommitmentTypeIndication");
    add_element(add_element(cti, kXadesNs, "xades", "CommitmentTypeId"), kXadesNs, "xades", "Identifier",
                commitment_uri(signer.commitment));
    add_element(cti, kXadesNs, "xades", "AllSignedDataObjects");
  }
  return s;
}

// Digests the references (the data first, then the signed properties), then signs SignedInfo.
void complete(const Document& doc, const Skeleton& s, const SignerSpec& signer, const std::optional<Content>& external) {
  const Suite suite = signer.key.suite();
  for (Node* ref : children(s.signed_info, kDsNs, "Reference")) {
    Node* transforms = children(ref, kDsNs, "Transforms")[0];
    if (child_elements(transforms).empty()) remove(transforms);
    // Resolved exactly as a verifier will resolve it.
    const ResolvedReference r = resolve_reference(doc, s.signature, ref);
    Digest d(r.digest);
    reference_data(doc, r, external, [&](ByteView b) { d.update(b); });
    set_text(children(ref, kDsNs, "DigestValue")[0], base64(d.finish()));
  }
  const Bytes signed_info = doc.canonicalize(NodeSubset{s.signed_info, {}}, C14n::exclusive);
  const Bytes sig = signer.key.sign(signed_info, signer.options);
  set_text(children(s.signature, kDsNs, "SignatureValue")[0], base64(to_xml_signature_value(suite, sig)));
}

std::string default_mime(bool xml) { return xml ? "text/xml" : "application/octet-stream"; }

}  // namespace

Bytes xades_sign(const Content& document, const std::string& document_name, const SignerSpec& signer,
                 const XadesOptions& options) {
  const std::string id = fresh_id();
  switch (options.placement) {
    case XmlPlacement::enveloped: {
      Document doc = Document::parse(read_all(document, document_name), document_name);
      const Skeleton s = make_skeleton(doc.root(), false, signer, options, "", options.mime_type.empty() ? default_mime(true) : options.mime_type, true, id);
      complete(doc, s, signer, std::nullopt);
      return doc.serialize();
    }
    case XmlPlacement::enveloping: {
      const Bytes data = read_all(document, document_name);
      const bool is_xml = looks_like_xml(data);
      Document doc = Document::create(kDsNs, "ds", "Signature");
      const std::string object_id = "xsign-" + id + "-object";
      // The object goes first so the skeleton's references can find it by Id.
      Node* object = add_element(doc.root(), kDsNs, "ds", "Object");
      set_attribute(object, "Id", object_id);
      if (is_xml) {
        const Document content = Document::parse(data, document_name);
        import_copy(object, content.root());
      } else {
        set_text(object, base64(data));
      }
      const Skeleton s = make_skeleton(doc.root(), true, signer, options, "#" + object_id,
                                       options.mime_type.empty() ? default_mime(is_xml) : options.mime_type, false, id);
      if (!is_xml) {
        Node* ref = children(s.signed_info, kDsNs, "Reference")[0];
        Node* transforms = children(ref, kDsNs, "Transforms")[0];
        for (Node* t : child_elements(transforms)) remove(t);
        add_transform(ref, kBase64Transform);
      }
      adopt(doc.root(), object);  // data object after SignatureValue/KeyInfo, as the schema orders them
      complete(doc, s, signer, std::nullopt);
      return doc.serialize();
    }
    case XmlPlacement::detached: {
      Document doc = Document::create(kDsNs, "ds", "Signature");
      std::string uri = options.document_uri.empty() ? std::filesystem::path(document_name).filename().string()
                                                     : options.document_uri;
      if (uri.empty() || uri[0] == '#') throw UsageError("a detached signature needs the document's name as its URI");
      const Skeleton s = make_skeleton(doc.root(), true, signer, options, uri,
                                       options.mime_type.empty() ? default_mime(false) : options.mime_type, false, id);
      complete(doc, s, signer, document);
      return doc.serialize();
    }
  }
  throw InternalError("unknown XML placement");
}

}  // namespace sign
