// An in-process PKI for attack tests: root, issuing CA and signer of one suite made with the
// library's own builders, so that each test can bend one certificate, attribute or response
// into the hostile shape it needs, and then validate with the library exactly as `verify` does.
#pragma once

#include <sign/cms.hpp>
#include <sign/ocsp.hpp>
#include <sign/tsp.hpp>
#include <sign/validate.hpp>

#include "cms/cms_internal.hpp"

#include <functional>
#include <string>
#include <vector>

namespace testing {

using sign::Bytes;
using sign::Certificate;
using sign::CertificateTemplate;
using sign::PrivateKey;
using sign::Suite;
using sign::TimePoint;

inline TimePoint test_now() {
  return std::chrono::floor<std::chrono::seconds>(sign::now());
}

// A tiny ASN.1 editor for hostile structures.
/// The DER TLVs of the children of the constructed element `der`.
inline std::vector<Bytes> children_of(const Bytes& der) {
  const auto src = sign::memory_source(der);
  std::vector<Bytes> out;
  for (const auto& n : sign::der_children(*src, sign::read_der_node(*src, 0, src->size())))
    out.push_back(sign::der_bytes(*src, n));
  return out;
}
/// The contents of the TLV `der`.
inline Bytes content_of(const Bytes& der) {
  const auto src = sign::memory_source(der);
  return sign::der_content(*src, sign::read_der_node(*src, 0, src->size()));
}
/// DER of `parts` concatenated under `tag`.
inline Bytes wrap(std::uint8_t tag, const std::vector<Bytes>& parts) {
  Bytes content;
  for (const auto& p : parts) content.insert(content.end(), p.begin(), p.end());
  return sign::der_tlv(tag, content);
}
/// DER of a SEQUENCE of DER parts.
inline Bytes seq(const std::vector<Bytes>& parts) { return wrap(0x30, parts); }

/// One certificate template with what every test needs; `edit` bends it.
using Edit = std::function<void(CertificateTemplate&)>;

struct HostilePki {
  Suite suite;
  std::string country;
  TimePoint now = test_now();
  PrivateKey root_key, ca_key, signer_key;
  Certificate root, ca, signer;
  std::vector<sign::Crl> crls;  ///< root's CRL for the CA, CA's CRL for end entities

  explicit HostilePki(Suite s, const Edit& edit_ca = {}, const Edit& edit_signer = {})
      : suite(s),
        country(s == Suite::sm2 ? "CN" : "RU"),
        root_key(PrivateKey::generate(s)),
        ca_key(PrivateKey::generate(s)),
        signer_key(PrivateKey::generate(s)),
        root(make_root()),
        ca(make_ca(edit_ca)),
        signer(make_signer(signer_key, "/C=" + country + "/O=Trader/CN=Signer", edit_signer)) {
    publish_crls({}, {});
  }

  static CertificateTemplate base(const sign::DistinguishedName& subject, const sign::PublicKey& key, TimePoint now) {
    CertificateTemplate t;
    t.subject = subject;
    t.public_key = key;
    t.not_before = now - std::chrono::hours(24);
    t.not_after = now + std::chrono::hours(24 * 365);
    return t;
  }

  Certificate make_root() {
    auto t = base(sign::DistinguishedName::parse("/C=" + country + "/O=Hostile Test/CN=Root"), root_key.public_key(), now);
    t.is_ca = true;
    t.key_usage = sign::kKeyCertSign | sign::kCrlSign;
    return sign::issue_certificate(t, t.subject, {}, root_key);
  }

  Certificate make_ca(const Edit& edit) {
    auto t = base(sign::DistinguishedName::parse("/C=" + country + "/O=Hostile Test/CN=Issuing CA"), ca_key.public_key(), now);
    t.is_ca = true;
    t.path_len = 0;
    t.key_usage = sign::kKeyCertSign | sign::kCrlSign;
    if (edit) edit(t);
    return sign::issue_certificate(t, root.subject(), root.subject_key_id(), root_key);
  }

  /// An end-entity certificate issued by the CA.
  Certificate make_signer(const PrivateKey& key, const std::string& subject, const Edit& edit = {}) {
    auto t = base(sign::DistinguishedName::parse(subject), key.public_key(), now);
    t.key_usage = sign::kDigitalSignature | sign::kNonRepudiation;
    t.extended_key_usage = {std::string(sign::oids::eku_document_signing)};
    if (edit) edit(t);
    return sign::issue_certificate(t, ca.subject(), ca.subject_key_id(), ca_key);
  }

  /// CRLs issued an hour ago, valid for a day, revoking the given serials.
  void publish_crls(const std::vector<Bytes>& revoked_by_ca, const std::vector<Bytes>& revoked_by_root,
                    TimePoint revocation_time = {}) {
    if (revocation_time == TimePoint{}) revocation_time = now - std::chrono::minutes(30);
    auto entries = [&](const std::vector<Bytes>& serials) {
      std::vector<sign::RevokedEntry> out;
      for (const auto& s : serials) out.push_back({s, revocation_time, sign::RevocationReason::key_compromise});
      return out;
    };
    crls = {sign::Crl::create(root.subject(), root.subject_key_id(), root_key, 1, now - std::chrono::hours(1),
                              now + std::chrono::hours(24), entries(revoked_by_root)),
            sign::Crl::create(ca.subject(), ca.subject_key_id(), ca_key, 1, now - std::chrono::hours(1),
                              now + std::chrono::hours(24), entries(revoked_by_ca))};
  }

  sign::SignerSpec spec() const { return spec_for(signer_key, signer); }
  sign::SignerSpec spec_for(const PrivateKey& key, const Certificate& cert) const {
    return sign::SignerSpec{key, cert, {ca}, {}, sign::Commitment::none, now};
  }

  /// Detached CAdES-B by the library's own signer.
  Bytes sign(const std::string& doc) const { return sign_with(spec(), doc); }
  static Bytes sign_with(const sign::SignerSpec& spec, const std::string& doc) {
    Bytes out;
    sign::sign_document(sign::Content::bytes(Bytes(doc.begin(), doc.end())), spec, {},
                        [&](sign::ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
    return out;
  }

  /// A detached SignedData whose one SignerInfo carries exactly `attrs` (DER Attributes) as
  /// signed attributes, correctly signed: only the attribute rules can reject it.
  Bytes sign_with_attributes(std::vector<Bytes> attrs, const sign::SignerSpec& s) const {
    namespace cd = sign::cms_detail;
    cd::SignedDataParts p;
    p.digest_algorithms = {cd::digest_algorithm_for(suite)};
    p.econtent_type = std::string(cd::oid::data);
    p.certificates = {s.certificate.der(), ca.der()};
    p.signer_infos = {cd::build_signer_info(s, std::move(attrs), sign::OidStyle::pkcs7)};
    Bytes out;
    cd::write_signed_data(p, [&](sign::ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
    return out;
  }

  Bytes digest(const std::string& doc) const {
    return sign::digest_bytes(sign::suite_info(suite).digest, Bytes(doc.begin(), doc.end()));
  }

  /// The attributes the library's signer writes for `doc`.
  std::vector<Bytes> cades_attributes(const std::string& doc, const sign::SignerSpec& s) const {
    namespace cd = sign::cms_detail;
    return {cd::content_type_attribute(cd::oid::data), cd::message_digest_attribute(digest(doc)),
            cd::signing_time_attribute(now), cd::signing_certificate_v2_attribute(s.certificate, suite)};
  }

  /// A trust store holding only our root, with our CRLs.
  sign::TrustStore trust() const {
    sign::TrustStore t;
    t.anchors = {root};
    for (const auto& c : crls) t.crls.push_back({c, "test"});
    return t;
  }

  sign::ValidationReport validate(const Bytes& p7s, const std::string& doc, const sign::ValidationPolicy& policy = {},
                                  sign::ValidateOptions options = {}, const sign::TrustStore* store = nullptr) const {
    if (!options.validation_time) options.validation_time = now;
    const auto sd = sign::SignedDataView::parse(sign::memory_source(p7s));
    return sign::validate_signed_data(sd, sign::Content::bytes(Bytes(doc.begin(), doc.end())), store ? *store : trust(),
                                      policy, options);
  }
};

inline std::string verdict_of(const sign::SignatureReport& s) {
  std::string v(sign::indication_name(s.indication));
  if (s.sub_indication != sign::SubIndication::none) v += "/" + std::string(sign::sub_indication_name(s.sub_indication));
  return v;
}

inline std::string suite_label(Suite s) { return std::string(sign::suite_name(s)); }

}  // namespace testing
