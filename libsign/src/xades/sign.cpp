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

// Adds a reference with its transforms (in order); its digest is filled in by complete(), once
// every node it covers exists.
Node* add_reference(Node* signed_info, std::string_view uri, std::string_view digest,
                    const std::vector<std::string_view>& transforms, std::string_view id = {}, std::string_view type = {}) {
  Node* ref = add_element(signed_info, kDsNs, "ds", "Reference");
  if (!id.empty()) set_attribute(ref, "Id", id);
  if (!type.empty()) set_attribute(ref, "Type", type);
  set_attribute(ref, "URI", uri);
  if (!transforms.empty()) {
    Node* list = add_element(ref, kDsNs, "ds", "Transforms");
    for (const auto algorithm : transforms) {
      Node* t = add_element(list, kDsNs, "ds", "Transform");
      set_attribute(t, "Algorithm", algorithm);
      if (algorithm == kXPathFilter2) {
        // The expression's ds: prefix is the one in scope on the Signature element.
        Node* xp = add_element(t, kXPathFilter2, "dsig-xpath", "XPath", kAllSignatures);
        set_attribute(xp, "Filter", "subtract");
      }
    }
  }
  set_attribute(add_element(ref, kDsNs, "ds", "DigestMethod"), "Algorithm", digest);
  add_element(ref, kDsNs, "ds", "DigestValue");
  return ref;
}

// What the data reference signs: its URI, transforms, and whether the data is XML (the default
// MIME type).
struct DataReference {
  std::string uri;
  std::vector<std::string_view> transforms;
  bool xml = true;
  std::string mime_type;  // DataObjectFormat; empty: the options' or the default
};

// `parent` becomes the ds:Signature when it is the root of a new document (enveloping,
// detached), else the signature is appended to it (enveloped).
Skeleton make_skeleton(Node* parent, bool is_root, const SignerSpec& signer, const XadesOptions& options,
                       const std::vector<DataReference>& data, const std::string& id) {
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
  for (std::size_t i = 0; i < data.size(); ++i)
    add_reference(s.signed_info, data[i].uri, uris.digest, data[i].transforms, s.id + "-ref-" + std::to_string(i));
  add_reference(s.signed_info, "#" + s.id + "-signedprops", uris.digest, {c14n_uri(C14n::exclusive)}, {},
                kSignedPropertiesType);
  set_attribute(add_element(s.signature, kDsNs, "ds", "SignatureValue"), "Id", s.id + "-sigvalue");
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
  add_element(cert_digest, kDsNs, "ds", "DigestValue", base64(signer.certificate.digest(alg)));
  add_element(cert, kXadesNs, "xades", "IssuerSerialV2", base64(issuer_serial_der(signer.certificate)));
  Node* sdop = add_element(s.signed_properties, kXadesNs, "xades", "SignedDataObjectProperties");
  for (std::size_t i = 0; i < data.size(); ++i) {
    Node* format = add_element(sdop, kXadesNs, "xades", "DataObjectFormat");
    set_attribute(format, "ObjectReference", "#" + s.id + "-ref-" + std::to_string(i));
    add_element(format, kXadesNs, "xades", "MimeType",
                !data[i].mime_type.empty() ? data[i].mime_type
                : !options.mime_type.empty() ? options.mime_type
                : data[i].xml               ? "text/xml"
                                            : "application/octet-stream");
  }
  if (signer.commitment != Commitment::none) {
    Node* cti = add_element(sdop, kXadesNs, "xades", "CommitmentTypeIndication");
    add_element(add_element(cti, kXadesNs, "xades", "CommitmentTypeId"), kXadesNs, "xades", "Identifier",
                commitment_uri(signer.commitment));
    add_element(cti, kXadesNs, "xades", "AllSignedDataObjects");
  }
  return s;
}

// Digests the references (the data first, then the signed properties), then signs SignedInfo.
void complete(const Document& doc, const Skeleton& s, const SignerSpec& signer, const DetachedFiles& external) {
  const Suite suite = signer.key.suite();
  for (Node* ref : children(s.signed_info, kDsNs, "Reference")) {
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

}  // namespace

void xades_detail::add_enveloped_signature(Document& doc, const SignerSpec& signer, const XadesOptions& options) {
  const DataReference data{"", {options.parallel ? kXPathFilter2 : kEnvelopedTransform, c14n_uri(C14n::exclusive)}, true, {}};
  complete(doc, make_skeleton(doc.root(), false, signer, options, {data}, fresh_id()), signer, DetachedFiles{});
}

Bytes xades_sign(const Content& document, const std::string& document_name, const SignerSpec& signer,
                 const XadesOptions& options) {
  switch (options.placement) {
    case XmlPlacement::enveloped: {
      Document doc = Document::parse(read_all(document, document_name), document_name);
      add_enveloped_signature(doc, signer, options);
      return doc.serialize();
    }
    case XmlPlacement::enveloping: {
      const Bytes bytes = read_all(document, document_name);
      const std::string id = fresh_id();
      DataReference data{"#xsign-" + id + "-object", {c14n_uri(C14n::exclusive)}, looks_like_xml(bytes), {}};
      if (!data.xml) data.transforms = {kBase64Transform};
      Document doc = Document::create(kDsNs, "ds", "Signature");
      const Skeleton s = make_skeleton(doc.root(), true, signer, options, {data}, id);
      // The data object comes last, after SignatureValue, KeyInfo and the properties.
      Node* object = add_element(doc.root(), kDsNs, "ds", "Object");
      set_attribute(object, "Id", data.uri.substr(1));
      if (data.xml) import_copy(object, Document::parse(bytes, document_name).root());
      else set_text(object, base64(bytes));
      complete(doc, s, signer, DetachedFiles{});
      return doc.serialize();
    }
    case XmlPlacement::detached: {
      const std::string uri = options.document_uri.empty() ? std::filesystem::path(document_name).filename().string()
                                                           : options.document_uri;
      if (uri.empty() || uri[0] == '#') throw UsageError("a detached signature needs the document's name as its URI");
      Document doc = Document::create(kDsNs, "ds", "Signature");
      complete(doc, make_skeleton(doc.root(), true, signer, options, {{uri, {}, false, {}}}, fresh_id()), signer, document);
      return doc.serialize();
    }
  }
  throw InternalError("unknown XML placement");
}

Bytes xades_sign_files(const std::vector<DetachedFile>& files, const SignerSpec& signer, const XadesOptions& options) {
  if (files.empty()) throw UsageError("nothing to sign: no files");
  std::vector<DataReference> data;
  DetachedFiles resolver;
  for (const auto& f : files) {
    if (f.name.empty()) throw UsageError("a detached reference needs the file's name as its URI");
    data.push_back({name_to_uri(f.name), {}, false, f.mime_type});
    resolver.by_name.emplace(f.name, f.content);
  }
  Document doc = Document::create(kDsNs, "ds", "Signature");
  complete(doc, make_skeleton(doc.root(), true, signer, options, data, fresh_id()), signer, resolver);
  return doc.serialize();
}

}  // namespace sign
