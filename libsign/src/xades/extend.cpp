// Adding to signed XML: parallel signatures (cosign), and the unsigned properties that raise
// a XAdES signature to T, LT and LTA.
#include "xades/xades_internal.hpp"

#include <sign/error.hpp>

namespace sign {

using namespace xades_detail;
using namespace xml;

namespace {

bool excludes_all_signatures(const Document& doc, Node* signature) {
  Node* signed_info = only_child(signature, kDsNs, "SignedInfo");
  if (!signed_info) return false;
  for (Node* ref : children(signed_info, kDsNs, "Reference")) {
    const auto r = resolve_reference(doc, signature, ref);
    if (!r.external && !r.subset.root && !r.subtracted.empty()) return true;
  }
  return false;
}

Suite suite_of(Node* signature) {
  Node* si = only_child(signature, kDsNs, "SignedInfo");
  Node* sm = si ? only_child(si, kDsNs, "SignatureMethod") : nullptr;
  const auto suite = sm ? suite_from_signature_uri(attribute(sm, "Algorithm").value_or("")) : std::nullopt;
  if (!suite) throw FormatError(path_of(signature) + ": unknown signature method");
  return *suite;
}

Node* add_time_stamp_element(Node* usp, std::string_view ns, std::string_view prefix, std::string_view name,
                             ByteView token) {
  Node* ts = add_element(usp, ns, prefix, name);
  if (ns != kXadesNs) declare_namespace(ts, ns, prefix);
  set_attribute(ts, "Id", "xsign-" + fresh_id() + "-ts");
  set_attribute(add_element(ts, kDsNs, "ds", "CanonicalizationMethod"), "Algorithm", c14n_uri(C14n::exclusive));
  add_element(ts, kXadesNs, "xades", "EncapsulatedTimeStamp", base64(token));
  return ts;
}

}  // namespace

Bytes xades_cosign(ByteView signed_xml, const std::optional<Content>& detached_document, const SignerSpec& signer,
                   const XadesOptions& options) {
  SignatureFile file = open_signature_file(signed_xml, "the signed XML");
  Node* root = file.doc.root();
  if (is_element(root, kDsNs, "Signature")) {
    // One detached or enveloping signature: the new one goes beside it in a container.
    throw UsageError("this file holds a single detached or enveloping signature; sign the document again into a "
                     "second file, or put several signatures in an ASiC-E container (xsign sign --asic-e)");
  }
  if (!detached_document) {
    for (Node* s : file.signatures)
      if (!excludes_all_signatures(file.doc, s))
        throw UsageError("signature " + path_of(s) +
                         " covers the whole document including anything added later (enveloped-signature transform), "
                         "so a second signature would break it. The first signer signs with --parallel when several "
                         "parties will sign the document");
    XadesOptions o = options;
    o.parallel = true;
    add_enveloped_signature(file.doc, signer, o);
    return file.doc.serialize();
  }
  throw UsageError("detached XML signatures are co-signed by signing the document again into a second file");
}

Bytes xades_add_signature_time_stamps(ByteView xml, const std::string& what,
                                      const std::function<Bytes(ByteView, DigestAlgorithm)>& stamp) {
  SignatureFile file = open_signature_file(xml, what);
  for (Node* s : file.signatures) {
    Node* usp = unsigned_signature_properties(s);
    if (!children(usp, kXadesNs, "SignatureTimeStamp").empty()) continue;
    Node* sv = only_child(s, kDsNs, "SignatureValue");
    const Bytes stamped = file.doc.canonicalize(NodeSubset{sv, {}}, C14n::exclusive);
    add_time_stamp_element(usp, kXadesNs, "xades", "SignatureTimeStamp", stamp(stamped, suite_info(suite_of(s)).digest));
  }
  return file.doc.serialize();
}

Bytes xades_add_validation_data(ByteView xml, const std::string& what, const std::vector<Bytes>& certificates,
                                const std::vector<Bytes>& crls, const std::vector<Bytes>& ocsp_responses) {
  SignatureFile file = open_signature_file(xml, what);
  for (Node* s : file.signatures) {
    Node* usp = unsigned_signature_properties(s);
    if (!certificates.empty()) {
      Node* cv = add_element(usp, kXadesNs, "xades", "CertificateValues");
      for (const auto& c : certificates) add_element(cv, kXadesNs, "xades", "EncapsulatedX509Certificate", base64(c));
    }
    if (!crls.empty() || !ocsp_responses.empty()) {
      Node* rv = add_element(usp, kXadesNs, "xades", "RevocationValues");
      if (!crls.empty()) {
        Node* list = add_element(rv, kXadesNs, "xades", "CRLValues");
        for (const auto& c : crls) add_element(list, kXadesNs, "xades", "EncapsulatedCRLValue", base64(c));
      }
      if (!ocsp_responses.empty()) {
        Node* list = add_element(rv, kXadesNs, "xades", "OCSPValues");
        for (const auto& o : ocsp_responses) add_element(list, kXadesNs, "xades", "EncapsulatedOCSPValue", base64(o));
      }
    }
  }
  return file.doc.serialize();
}

Bytes xades_add_archive_time_stamps(ByteView xml, const std::string& what, const DetachedFiles& detached_document,
                                    const std::function<Bytes(ByteView, DigestAlgorithm)>& stamp) {
  SignatureFile file = open_signature_file(xml, what);
  for (Node* s : file.signatures) {
    Node* usp = unsigned_signature_properties(s);
    const Bytes input = archive_input(file.doc, s, nullptr, C14nChoice{C14n::exclusive, {}}, detached_document);
    add_time_stamp_element(usp, kXades141Ns, "xades141", "ArchiveTimeStamp", stamp(input, suite_info(suite_of(s)).digest));
  }
  return file.doc.serialize();
}

std::vector<XmlSignatureSummary> summarize_xml_signatures(ByteView xml, const std::string& what) {
  const SignatureFile file = open_signature_file(xml, what);
  std::vector<XmlSignatureSummary> out;
  for (Node* s : file.signatures) {
    XmlSignatureSummary sum;
    sum.element = path_of(s);
    sum.id = attribute(s, "Id").value_or("");
    if (Node* si = only_child(s, kDsNs, "SignedInfo")) {
      if (Node* sm = only_child(si, kDsNs, "SignatureMethod")) sum.signature_method = attribute(sm, "Algorithm").value_or("");
      for (Node* r : children(si, kDsNs, "Reference")) sum.references.push_back(attribute(r, "URI").value_or("(none)"));
    }
    if (Node* ki = only_child(s, kDsNs, "KeyInfo"))
      for (Node* c : descendants(ki, kDsNs, "X509Certificate")) {
        try {
          sum.certificate = Certificate::from_der(unbase64(text(c), "an X509Certificate"));
        } catch (const FormatError&) {
        }
        break;
      }
    Node* qp = qualifying_properties(s);
    sum.level = qp ? "B" : "XMLDSig";
    if (qp) {
      for (Node* t : descendants(qp, kXadesNs, "SigningTime")) sum.signing_time = xml::parse_date_time(text(t));
      sum.time_stamps = descendants(qp, kXadesNs, "SignatureTimeStamp").size();
      sum.archive_time_stamps = descendants(qp, kXades141Ns, "ArchiveTimeStamp").size();
      const bool values = !descendants(qp, kXadesNs, "RevocationValues").empty();
      sum.level = sum.archive_time_stamps ? "LTA" : values ? "LT" : sum.time_stamps ? "T" : "B";
    }
    if (s != file.doc.root()) sum.placement = "enveloped";
    else if (children(s, kDsNs, "Object").size() > 1) sum.placement = "enveloping";  // data beside the properties
    else sum.placement = "detached";
    out.push_back(std::move(sum));
  }
  return out;
}

}  // namespace sign
