// The cryptographic and structural check of XML signatures, and what each really covers.
// Coverage policy (what stops signature wrapping): a signature inside a document must cover
// that whole document (URI "" or the root element's Id); an enveloping one, its own ds:Object;
// a detached one, the external document; and the signed properties it relies on must be its
// own. Whatever else a reference points at is refused unless the caller allows partial cover.
#include "xades/xades_internal.hpp"

#include <sign/error.hpp>

#include <algorithm>

namespace sign {

using namespace xades_detail;
using namespace xml;

namespace {

using Status = SignerCheck::Status;

Commitment commitment_from_uri(const std::string& uri) {
  if (uri.ends_with("#ProofOfOrigin")) return Commitment::proof_of_origin;
  if (uri.ends_with("#ProofOfReceipt")) return Commitment::proof_of_receipt;
  if (uri.ends_with("#ProofOfApproval")) return Commitment::proof_of_approval;
  return Commitment::none;
}

std::vector<Bytes> encapsulated(const Node* parent, std::string_view local) {
  std::vector<Bytes> out;
  if (!parent) return out;
  for (const Node* n : descendants(parent, kXadesNs, local)) out.push_back(unbase64(text(n), local));
  return out;
}

class SignatureChecker {
 public:
  SignatureChecker(const Document& doc, Node* signature, const DetachedFiles& external,
                   const XmlCheckOptions& options)
      : doc_(doc), sig_(signature), external_(external), options_(options) {}

  XmlSignatureCheck run() {
    out_.element = path_of(sig_);
    out_.id = attribute(sig_, "Id").value_or("");
    try {
      check();
    } catch (const FormatError& e) {
      out_.check.status = Status::format_error;
      out_.check.message = e.what();
    }
    return std::move(out_);
  }

 private:
  void check() {
    out_.check.status = Status::format_error;
    const auto elements = child_elements(sig_);
    if (elements.size() < 2 || !is_element(elements[0], kDsNs, "SignedInfo") ||
        !is_element(elements[1], kDsNs, "SignatureValue"))
      throw FormatError(out_.element + ": a ds:Signature starts with SignedInfo and SignatureValue");
    Node* signed_info = elements[0];
    const auto si_children = child_elements(signed_info);
    if (si_children.size() < 3 || !is_element(si_children[0], kDsNs, "CanonicalizationMethod") ||
        !is_element(si_children[1], kDsNs, "SignatureMethod"))
      throw FormatError(out_.element + ": SignedInfo must start with CanonicalizationMethod and SignatureMethod");
    const C14nChoice si_c14n = c14n_of(si_children[0], true);
    const std::string method = attribute(si_children[1], "Algorithm").value_or("");
    const auto suite = suite_from_signature_uri(method);
    out_.check.signature_oid = method;
    if (!suite) {
      out_.check.status = Status::unsupported_algorithm;
      out_.check.message = "signature method '" + method + "' is not supported";
      return;
    }
    out_.check.suite = *suite;
    out_.check.digest_oid = std::string(digest_oid(suite_info(*suite).digest));

    Node* qp = qualifying_properties(sig_);
    out_.is_xades = qp != nullptr;
    Node* signed_props = qp ? only_child(qp, kXadesNs, "SignedProperties") : nullptr;
    if (qp && attribute(qp, "Target").value_or("") != "#" + out_.id)
      throw FormatError(out_.element + ": its QualifyingProperties target '" + attribute(qp, "Target").value_or("") +
                        "', not this signature ('#" + out_.id + "')");

    // References: resolve all, check coverage, then digests.
    bool covers_data = false, covers_props = false;
    std::vector<ResolvedReference> refs;
    for (Node* ref : si_children)
      if (is_element(ref, kDsNs, "Reference")) refs.push_back(resolve_reference(doc_, sig_, ref));
      else if (ref != si_children[0] && ref != si_children[1])
        throw FormatError(out_.element + ": SignedInfo holds an unexpected " + local_name(ref));
    if (refs.empty()) throw FormatError(out_.element + ": SignedInfo has no Reference");
    std::vector<std::string> partial;
    for (const auto& r : refs) {
      XmlReferenceCheck rc;
      rc.uri = r.uri;
      if (r.subset.root && signed_props && r.subset.root == signed_props) {
        rc.signed_properties = true;
        rc.covers = "the signed properties of this signature";
        covers_props = true;
      } else if (r.external) {
        rc.covers = "file '" + r.uri + "'";
        covers_data = true;
      } else if (!r.subset.root || r.subset.root == doc_.root()) {
        if (r.subset.root == doc_.root() && within(sig_, doc_.root()) && sig_ != doc_.root() &&
            std::find(r.subset.excluded.begin(), r.subset.excluded.end(), sig_) == r.subset.excluded.end())
          throw FormatError(out_.element + ": reference '" + r.uri + "' covers its own signature (no enveloped-signature transform)");
        rc.covers = describe_whole(r);
        covers_data = true;
      } else if (within(r.subset.root, sig_) && is_element(r.subset.root, kDsNs, "Object") &&
                 parent_of(r.subset.root) == sig_) {
        rc.covers = "its own ds:Object " + path_of(r.subset.root) + (r.base64 ? " (base64 data)" : "");
        covers_data = true;
      } else {
        rc.covers = "only element " + path_of(r.subset.root) + " (URI '" + r.uri + "')";
        partial.push_back(rc.covers);
      }
      if (r.signed_properties_type && !rc.signed_properties)
        throw FormatError(out_.element + ": the reference typed SignedProperties ('" + r.uri +
                          "') does not point at this signature's own SignedProperties");
      out_.references.push_back(rc);
      if (!rc.signed_properties) out_.signed_objects.push_back(rc.covers);
    }
    if (!partial.empty() && !options_.allow_partial)
      throw FormatError(out_.element + " covers " + partial.front() +
                        ", not the whole document: what a reader sees may lie outside the signed part (the shape of "
                        "XML signature wrapping). The validation policy accepts only whole documents");
    if (!covers_data && partial.empty()) throw FormatError(out_.element + ": no reference covers a document");
    if (signed_props && !covers_props)
      throw FormatError(out_.element + ": its SignedProperties (signing certificate, time) are not signed");

    load_certificates(qp);
    const Certificate* cert = choose_certificate(signed_props, *suite);
    if (!cert) return;
    out_.check.certificate = *cert;

    // Signature over SignedInfo, then each reference's digest.
    const Bytes canonical = doc_.canonicalize(NodeSubset{signed_info, {}}, si_c14n.mode, si_c14n.prefixes);
    const Bytes value = unbase64(text(elements[1]), "the SignatureValue");
    if (!cert->public_key().verify(canonical, from_xml_signature_value(*suite, value), options_.sign_options)) {
      out_.check.status = Status::signature_failure;
      out_.check.message = "the signature value does not verify with the signer's key (SignedInfo was changed, or "
                           "signed by another key)";
      return;
    }
    for (std::size_t i = 0; i < refs.size(); ++i) {
      Digest d(refs[i].digest);
      reference_data(doc_, refs[i], external_, [&](ByteView b) { d.update(b); });
      out_.references[i].digest_ok = d.finish() == refs[i].digest_value;
      if (!out_.references[i].digest_ok) {
        out_.check.status = Status::hash_failure;
        out_.check.message = "the digest of reference '" + refs[i].uri + "' (" + out_.references[i].covers +
                             ") does not match: the signed data was changed";
        return;
      }
    }
    out_.check.status = Status::valid;
    out_.check.message = "signature value and every reference digest verify";
    properties(signed_props);
    unsigned_properties(qp, elements[1]);
  }

  std::string describe_whole(const ResolvedReference& r) const {
    std::string what = "the whole document " + path_of(doc_.root());
    if (!r.subtracted.empty()) {
      std::string where;
      for (const Node* s : r.subtracted) {
        // Signatures may only sit where signatures go: directly below the root element.
        if (parent_of(s) != doc_.root() && s != doc_.root())
          throw FormatError("a ds:Signature at " + path_of(s) +
                            " is excluded from the signed data but sits inside the document's content, where anything "
                            "could hide in it; signatures must be children of the root element");
        where += (where.empty() ? "" : ", ") + path_of(s);
      }
      return what + " except its signatures (" + where + ")";
    }
    return r.subset.excluded.empty() ? what : what + " except this signature";
  }

  void load_certificates(Node* qp) {
    if (Node* ki = only_child(sig_, kDsNs, "KeyInfo"))
      for (Node* data : children(ki, kDsNs, "X509Data"))
        for (Node* c : children(data, kDsNs, "X509Certificate")) add_certificate(unbase64(text(c), "an X509Certificate"));
    if (qp) {
      for (const auto& der : encapsulated(qp, "EncapsulatedX509Certificate")) add_certificate(der);
      for (const auto& der : encapsulated(qp, "EncapsulatedCRLValue")) out_.crls.push_back(der);
      for (const auto& der : encapsulated(qp, "EncapsulatedOCSPValue")) out_.ocsp_responses.push_back(der);
    }
  }

  void add_certificate(const Bytes& der) {
    try {
      out_.certificates.push_back(Certificate::from_der(der));
    } catch (const FormatError&) {
      // An unreadable extra certificate is not the signer's; the signer's is checked by digest.
    }
  }

  // The signer's certificate: the one SigningCertificateV2 names by digest (and IssuerSerialV2),
  // else — plain XMLDSig — the first certificate whose key verifies, unbound.
  const Certificate* choose_certificate(Node* signed_props, Suite suite) {
    std::vector<const Certificate*> candidates;
    for (const auto& c : out_.certificates) candidates.push_back(&c);
    for (const auto& c : options_.extra_certificates) candidates.push_back(&c);
    Node* scv2 = nullptr;
    Node* scv1 = nullptr;
    if (signed_props)
      if (Node* ssp = only_child(signed_props, kXadesNs, "SignedSignatureProperties")) {
        scv2 = only_child(ssp, kXadesNs, "SigningCertificateV2");
        scv1 = only_child(ssp, kXadesNs, "SigningCertificate");
      }
    Node* sc = scv2 ? scv2 : scv1;
    if (!sc) {
      for (const Certificate* c : candidates)
        if (c->public_key().suite() == suite) return c;
      out_.check.status = Status::no_signer_certificate;
      out_.check.message = "the signature carries no certificate of suite " + std::string(suite_name(suite));
      return nullptr;
    }
    const auto certs = children(sc, kXadesNs, "Cert");
    if (certs.empty()) throw FormatError(out_.element + ": SigningCertificate names no Cert");
    Node* cert_digest = only_child(certs[0], kXadesNs, "CertDigest");
    if (!cert_digest) throw FormatError(out_.element + ": SigningCertificate's Cert has no CertDigest");
    Node* dm = only_child(cert_digest, kDsNs, "DigestMethod");
    Node* dv = only_child(cert_digest, kDsNs, "DigestValue");
    const auto alg = dm ? digest_from_uri(attribute(dm, "Algorithm").value_or("")) : std::nullopt;
    if (!alg || !dv) throw FormatError(out_.element + ": the signing certificate's digest method is missing or unsupported");
    const Bytes want = unbase64(text(dv), "the signing certificate digest");
    for (const Certificate* c : candidates) {
      if (digest_bytes(*alg, c->der()) != want) continue;
      out_.check.signing_certificate_checked = true;
      if (Node* is = only_child(certs[0], kXadesNs, "IssuerSerialV2"))
        if (unbase64(text(is), "IssuerSerialV2") != issuer_serial_der(*c)) {
          out_.check.status = Status::signing_cert_mismatch;
          out_.check.message = "IssuerSerialV2 does not name the certificate whose digest SigningCertificateV2 gives";
          return nullptr;
        }
      return c;
    }
    out_.check.status = candidates.empty() ? Status::no_signer_certificate : Status::signing_cert_mismatch;
    out_.check.message = candidates.empty() ? "the signer's certificate is not in the signature (KeyInfo) nor given"
                                            : "no available certificate has the digest SigningCertificateV2 names";
    return nullptr;
  }

  void properties(Node* signed_props) {
    if (!signed_props) return;
    out_.check.has_signed_attributes = true;
    if (Node* ssp = only_child(signed_props, kXadesNs, "SignedSignatureProperties"))
      if (Node* t = only_child(ssp, kXadesNs, "SigningTime")) out_.check.signing_time = xml::parse_date_time(text(t));
    for (const Node* id : descendants(signed_props, kXadesNs, "Identifier"))
      if (const auto c = commitment_from_uri(text(id)); c != Commitment::none) out_.check.commitment = c;
  }

  void unsigned_properties(Node* qp, Node* signature_value) {
    if (!qp) return;
    Node* up = only_child(qp, kXadesNs, "UnsignedProperties");
    Node* usp = up ? only_child(up, kXadesNs, "UnsignedSignatureProperties") : nullptr;
    if (!usp) return;
    for (Node* p : child_elements(usp)) {
      const bool signature_ts = is_element(p, kXadesNs, "SignatureTimeStamp");
      const bool archive_ts = is_element(p, kXades141Ns, "ArchiveTimeStamp") || is_element(p, kXadesNs, "ArchiveTimeStamp");
      if (!signature_ts && !archive_ts) continue;
      const C14nChoice c14n = c14n_of(only_child(p, kDsNs, "CanonicalizationMethod"), false);
      for (Node* token : children(p, kXadesNs, "EncapsulatedTimeStamp")) {
        XmlSignatureCheck::Stamp stamp;
        stamp.token = unbase64(text(token), "an EncapsulatedTimeStamp");
        if (signature_ts) {
          stamp.stamped = doc_.canonicalize(NodeSubset{signature_value, {}}, c14n.mode, c14n.prefixes);
          out_.signature_time_stamps.push_back(std::move(stamp));
        } else {
          stamp.stamped = archive_input(doc_, sig_, p, c14n, external_);
          out_.archive_time_stamps.push_back(std::move(stamp));
        }
      }
    }
  }

  const Document& doc_;
  Node* sig_;
  const DetachedFiles& external_;
  const XmlCheckOptions& options_;
  XmlSignatureCheck out_;
};

}  // namespace

std::vector<XmlSignatureCheck> check_xml_signatures(ByteView xml, const std::string& what,
                                                    const DetachedFiles& detached_document,
                                                    const XmlCheckOptions& options) {
  const SignatureFile file = open_signature_file(xml, what);
  std::vector<XmlSignatureCheck> out;
  for (Node* s : file.signatures) out.push_back(SignatureChecker(file.doc, s, detached_document, options).run());
  return out;
}

}  // namespace sign
