// Parsing SignedData: strict DER over a ByteSource. Only the known structure is walked (no
// recursion into unknown data), every size is bounded, and the content stays where it is.
#include "cms/cms_internal.hpp"

#include <sign/error.hpp>

#include <algorithm>

#include <botan/asn1_time.h>
#include <botan/ber_dec.h>

namespace sign {

using cms_detail::oid_from_der;
namespace oid = cms_detail::oid;

namespace {

// Countersignatures may themselves be countersigned; real files nest one or two levels.
constexpr int kMaxCounterSignatureDepth = 4;

[[noreturn]] void malformed(const std::string& what) { throw FormatError("malformed SignedData: " + what); }

void expect(const DerNode& n, std::uint8_t tag, const std::string& what) {
  if (n.tag != tag) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", n.tag);
    malformed(what + " has tag " + buf + " at offset " + std::to_string(n.offset));
  }
}

std::vector<CmsAttribute> parse_attributes(const ByteSource& src, const DerNode& set) {
  std::vector<CmsAttribute> out;
  for (const auto& attr : der_children(src, set)) {
    expect(attr, 0x30, "attribute");
    const auto parts = der_children(src, attr);
    if (parts.size() != 2) malformed("attribute must have a type and a value set");
    expect(parts[0], 0x06, "attribute type");
    expect(parts[1], 0x31, "attribute values");
    CmsAttribute a;
    a.oid = oid_from_der(der_bytes(src, parts[0]));
    for (const auto& v : der_children(src, parts[1])) a.values.push_back(der_bytes(src, v));
    out.push_back(std::move(a));
  }
  return out;
}

std::string algorithm_oid(const ByteSource& src, const DerNode& alg) {
  expect(alg, 0x30, "AlgorithmIdentifier");
  const auto parts = der_children(src, alg);
  if (parts.empty()) malformed("empty AlgorithmIdentifier");
  expect(parts[0], 0x06, "algorithm OID");
  return oid_from_der(der_bytes(src, parts[0]));
}


}  // namespace

namespace cms_detail {

SignerInfoView parse_signer_info(ByteView der, int depth) {
  if (depth > kMaxCounterSignatureDepth) malformed("countersignatures nested too deeply");
  const auto src = memory_source(Bytes(der.begin(), der.end()));
  // BER is allowed in a SignerInfo except for its signed attributes, checked below.
  const DerNode root = read_ber_node(*src, 0, src->size());
  if (root.end() != src->size()) malformed("trailing bytes after SignerInfo");
  expect(root, 0x30, "SignerInfo");
  const auto f = der_children(*src, root);
  if (f.size() < 5) malformed("SignerInfo has " + std::to_string(f.size()) + " fields, at least 5 expected");
  SignerInfoView s;
  // Held (and written again) in DER; the signed part is unchanged by that, being DER already.
  // The usual DER SignerInfo is checked once here and not re-encoded piece by piece below.
  const bool der_form = is_der_encoded(*src, root);
  s.der = der_form ? Bytes(der.begin(), der.end()) : ber_to_der(der);
  expect(f[0], 0x02, "SignerInfo version");
  const Bytes version = src->read_range(f[0].content(), f[0].length);
  s.version = version.size() == 1 ? version[0] : -1;
  if (s.version != 1 && s.version != 3) malformed("unsupported SignerInfo version");
  if (f[1].tag == 0x30) {
    const auto ias = der_children(*src, f[1]);
    if (ias.size() != 2) malformed("issuerAndSerialNumber must have two fields");
    expect(ias[1], 0x02, "serial number");
    const Bytes issuer = der_bytes(*src, ias[0]);
    s.sid_issuer = DistinguishedName::from_der(der_form ? issuer : ber_to_der(issuer));
    Bytes serial = src->read_range(ias[1].content(), ias[1].length);
    while (serial.size() > 1 && serial[0] == 0) serial.erase(serial.begin());
    s.sid_serial = serial;
  } else if (f[1].tag == 0x80) {
    s.sid_key_id = src->read_range(f[1].content(), f[1].length);
  } else {
    malformed("unknown signer identifier");
  }
  s.digest_oid = algorithm_oid(*src, f[2]);
  std::size_t i = 3;
  if (f[i].tag == 0xa0) {
    // RFC 5652 §5.3/§5.4: signed attributes are DER, and the signature is over that DER.
    // A BER form here would be hashed differently by different verifiers: refused.
    if (!der_form && !is_der_encoded(*src, f[i]))
      malformed("the signed attributes are not DER-encoded (RFC 5652 §5.3 requires DER for them)");
    Bytes content = src->read_range(f[i].content(), f[i].length);
    s.signed_attrs_der = der_tlv(0x31, content);
    DerNode as_set = f[i];
    as_set.tag = 0x31;
    s.signed_attrs = parse_attributes(*src, as_set);
    ++i;
  }
  if (i + 1 >= f.size()) malformed("SignerInfo ends before its signature");
  s.signature_oid = algorithm_oid(*src, f[i]);
  ++i;
  expect(f[i], 0x04, "signature");
  s.signature = src->read_range(f[i].content(), f[i].length);
  ++i;
  if (i < f.size()) {
    expect(f[i], 0xa1, "unsigned attributes");
    DerNode as_set = f[i];
    as_set.tag = 0x31;
    s.unsigned_attrs = parse_attributes(*src, as_set);
    ++i;
  }
  if (i != f.size()) malformed("unexpected fields after the SignerInfo signature");
  for (const auto& a : s.unsigned_attrs)
    if (a.oid == oid::countersignature)
      for (const auto& v : a.values) s.counter_signatures.push_back(parse_signer_info(v, depth + 1));
  // Unsigned values in DER too (after the countersignatures' own DER checks above).
  if (!der_form)
    for (auto& a : s.unsigned_attrs)
      for (auto& v : a.values) v = ber_to_der(v);
  return s;
}

namespace {

// ESSCertID(v2) ::= SEQUENCE { [hashAlgorithm,] certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }
EssCertId parse_signing_certificate(ByteView value, bool v2) {
  const char* name = v2 ? "SigningCertificateV2" : "SigningCertificate";
  const auto src = memory_source(Bytes(value.begin(), value.end()));
  const DerNode outer = read_der_node(*src, 0, src->size());
  if (outer.end() != src->size()) malformed(std::string("trailing bytes after ") + name);
  expect(outer, 0x30, name);
  const auto fields = der_children(*src, outer);
  if (fields.empty()) malformed(std::string("empty ") + name);
  expect(fields[0], 0x30, "ESSCertID list");
  const auto ids = der_children(*src, fields[0]);
  if (ids.empty()) malformed(std::string(name) + " lists no certificate");
  expect(ids[0], 0x30, "ESSCertID");
  const auto parts = der_children(*src, ids[0]);
  if (parts.empty()) malformed("empty ESSCertID");
  // v2: hashAlgorithm DEFAULT id-sha256; v1: always SHA-1.
  EssCertId out{v2 ? "2.16.840.1.101.3.4.2.1" : "1.3.14.3.2.26", {}, std::nullopt, {}};
  std::size_t i = 0;
  if (v2 && parts[i].tag == 0x30) out.hash_oid = algorithm_oid(*src, parts[i++]);
  if (i >= parts.size()) malformed("ESSCertID without certHash");
  expect(parts[i], 0x04, "certHash");
  out.hash = src->read_range(parts[i].content(), parts[i].length);
  ++i;
  if (i < parts.size()) {
    // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
    expect(parts[i], 0x30, "issuerSerial");
    const auto is = der_children(*src, parts[i]);
    if (is.size() < 2) malformed("issuerSerial must have an issuer and a serial number");
    expect(is[0], 0x30, "issuerSerial GeneralNames");
    for (const auto& gn : der_children(*src, is[0]))
      if (gn.tag == 0xa4) {
        const auto name_der = der_children(*src, gn);
        if (name_der.size() != 1) malformed("issuerSerial directoryName");
        out.issuer_name_der = der_bytes(*src, name_der[0]);
        break;
      }
    expect(is[1], 0x02, "issuerSerial serialNumber");
    out.serial = src->read_range(is[1].content(), is[1].length);
    while (out.serial.size() > 1 && out.serial[0] == 0) out.serial.erase(out.serial.begin());
  }
  return out;
}

}  // namespace

EssCertId parse_signing_certificate_v2(ByteView value) { return parse_signing_certificate(value, true); }
EssCertId parse_signing_certificate_v1(ByteView value) { return parse_signing_certificate(value, false); }

std::string attribute_cardinality_problem(const SignerInfoView& si, bool counter) {
  // Signed attributes we interpret: each exactly once and with exactly one value.
  static const std::string_view kSingle[] = {oid::content_type,           oid::message_digest, oid::signing_time,
                                             oid::signing_certificate_v2, oid::signing_certificate_v1,
                                             oid::commitment_type,        oid::signature_policy, oid::content_hints};
  std::vector<std::string_view> seen;
  for (const auto& a : si.signed_attrs) {
    if (std::find(seen.begin(), seen.end(), a.oid) != seen.end())
      return "signed attribute " + a.oid + " appears more than once (RFC 5652 §5.3)";
    seen.push_back(a.oid);
    if (a.values.empty()) return "signed attribute " + a.oid + " has no value";
    if (a.oid == oid::countersignature) return "a countersignature cannot be a signed attribute (RFC 5652 §11.4)";
    if (std::find(std::begin(kSingle), std::end(kSingle), a.oid) != std::end(kSingle) && a.values.size() != 1)
      return "signed attribute " + a.oid + " must have exactly one value";
  }
  if (counter && si.signed_attr(oid::content_type))
    return "a countersignature must not carry a contentType attribute (RFC 5652 §11.1)";
  for (const auto& a : si.unsigned_attrs) {
    if (a.values.empty()) return "unsigned attribute " + a.oid + " has no value";
    for (std::string_view only_signed : {oid::content_type, oid::message_digest, oid::signing_time})
      if (a.oid == only_signed) return "attribute " + a.oid + " must be signed, it is among the unsigned attributes";
  }
  return {};
}

}  // namespace cms_detail

const CmsAttribute* SignerInfoView::signed_attr(std::string_view oid) const {
  for (const auto& a : signed_attrs)
    if (a.oid == oid) return &a;
  return nullptr;
}

std::optional<TimePoint> SignerInfoView::signing_time() const {
  // A malformed or repeated signing-time is a format failure found by the attribute checks;
  // here it only means "no claimed time".
  const auto* a = signed_attr(oid::signing_time);
  if (!a || a->values.size() != 1) return std::nullopt;
  try {
    return decode_der_time(a->values[0]);
  } catch (const FormatError&) {
    return std::nullopt;
  }
}

Commitment SignerInfoView::commitment() const {
  const auto* a = signed_attr(oid::commitment_type);
  if (!a || a->values.empty()) return Commitment::none;
  const auto src = memory_source(a->values[0]);
  const DerNode seq = read_der_node(*src, 0, src->size());
  const auto parts = der_children(*src, seq);
  if (parts.empty()) return Commitment::none;
  const std::string id = oid_from_der(der_bytes(*src, parts[0]));
  if (id == "1.2.840.113549.1.9.16.6.1") return Commitment::proof_of_origin;
  if (id == "1.2.840.113549.1.9.16.6.2") return Commitment::proof_of_receipt;
  if (id == "1.2.840.113549.1.9.16.6.5") return Commitment::proof_of_approval;
  return Commitment::none;
}

Commitment parse_commitment(std::string_view text) {
  if (text == "origin" || text == "proof-of-origin") return Commitment::proof_of_origin;
  if (text == "receipt" || text == "proof-of-receipt") return Commitment::proof_of_receipt;
  if (text == "approval" || text == "proof-of-approval") return Commitment::proof_of_approval;
  throw UsageError("unknown commitment '" + std::string(text) + "' (valid: origin, approval, receipt)");
}

std::string_view commitment_name(Commitment c) {
  switch (c) {
    case Commitment::proof_of_origin: return "proof-of-origin";
    case Commitment::proof_of_receipt: return "proof-of-receipt";
    case Commitment::proof_of_approval: return "proof-of-approval";
    case Commitment::none: return "none";
  }
  return "none";
}

Content Content::file(const std::string& path) { return Content{open_file_source(path)}; }
Content Content::bytes(Bytes data) { return Content{memory_source(std::move(data))}; }

namespace {

// A window [offset, offset+length) of another source: the attached content of a .p7s.
class WindowSource final : public ByteSource {
 public:
  WindowSource(std::shared_ptr<const ByteSource> inner, std::uint64_t offset, std::uint64_t length)
      : inner_(std::move(inner)), offset_(offset), length_(length) {}
  std::uint64_t size() const override { return length_; }
  void read(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    if (offset > length_ || out.size() > length_ - offset) throw FormatError("read past the end of the content");
    inner_->read(offset_ + offset, out);
  }
  const std::uint8_t* contiguous() const override {
    const std::uint8_t* all = inner_->contiguous();
    return all && length_ ? all + offset_ : nullptr;
  }

 private:
  std::shared_ptr<const ByteSource> inner_;
  std::uint64_t offset_, length_;
};

// A .p7s in PEM is decoded into memory (PEM is for small, detached signatures).
std::shared_ptr<const ByteSource> unwrap_pem(std::shared_ptr<const ByteSource> source) {
  if (source->size() < 11 || source->size() > kMaxDerObjectBytes) return source;
  Bytes head(11);
  source->read(0, head);
  if (std::string_view(reinterpret_cast<const char*>(head.data()), head.size()) != "-----BEGIN ") return source;
  const Bytes all = source->read_range(0, source->size());
  return memory_source(pem_blocks_labelled({reinterpret_cast<const char*>(all.data()), all.size()},
                                           {"CMS", "PKCS7", "SIGNED DATA"})
                           .front());
}

}  // namespace

std::optional<Content> SignedDataView::attached_content() const {
  if (!content_attached_) return std::nullopt;
  if (content_ranges_.size() == 1)
    return Content{std::make_shared<WindowSource>(source_, content_ranges_[0].offset, content_ranges_[0].length)};
  return Content{ranges_source(source_, content_ranges_)};
}

SignedDataView SignedDataView::load(const std::string& path) {
  try {
    return parse(open_file_source(path));
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  }
}

SignedDataView SignedDataView::parse(std::shared_ptr<const ByteSource> source) {
  source = unwrap_pem(std::move(source));
  const ByteSource& src = *source;
  SignedDataView v;
  v.source_ = source;
  // BER from here down (RFC 5652 §1.2); the signed attributes are checked for DER apart.
  const DerNode ci = read_ber_node(src, 0, src.size());
  if (ci.end() != src.size()) malformed("trailing bytes after ContentInfo");
  expect(ci, 0x30, "ContentInfo");
  const auto ci_parts = der_children(src, ci);
  if (ci_parts.size() != 2) malformed("ContentInfo must have a type and content");
  expect(ci_parts[0], 0x06, "content type");
  const std::string type = oid_from_der(der_bytes(src, ci_parts[0]));
  if (type == oid::gm_signed_data) v.style_ = OidStyle::gmt;
  else if (type != oid::signed_data) malformed("content type " + type + " is not SignedData");
  expect(ci_parts[1], 0xa0, "ContentInfo content");
  const auto inner = der_children(src, ci_parts[1]);
  if (inner.size() != 1) malformed("ContentInfo [0] must hold one SignedData");
  expect(inner[0], 0x30, "SignedData");
  const auto f = der_children(src, inner[0]);
  if (f.size() < 4) malformed("SignedData has too few fields");

  expect(f[0], 0x02, "SignedData version");
  const Bytes version = src.read_range(f[0].content(), f[0].length);
  if (version.size() != 1 || version[0] > 5) malformed("unsupported SignedData version");
  v.version_ = version[0];
  expect(f[1], 0x31, "digestAlgorithms");
  for (const auto& d : der_children(src, f[1])) v.digest_algorithm_ders_.push_back(ber_to_der(der_bytes(src, d)));

  expect(f[2], 0x30, "encapContentInfo");
  const auto encap = der_children(src, f[2]);
  if (encap.empty() || encap.size() > 2) malformed("encapContentInfo must have a type and optional content");
  expect(encap[0], 0x06, "eContentType");
  v.econtent_type_ = oid_from_der(der_bytes(src, encap[0]));
  if (encap.size() == 2) {
    expect(encap[1], 0xa0, "eContent");
    const auto octets = der_children(src, encap[1]);
    if (octets.size() != 1) malformed("eContent must hold one OCTET STRING");
    if (octets[0].tag != 0x24) expect(octets[0], 0x04, "eContent");
    // Primitive, or BER segments (ViPNet, CryptoPro, `openssl cms -stream`) read in place.
    v.content_ranges_ = octet_string_ranges(src, octets[0]);
    if (v.content_ranges_.empty()) v.content_ranges_.push_back({octets[0].content(), 0});
    v.content_attached_ = true;
  }

  std::size_t i = 3;
  if (i < f.size() && f[i].tag == 0xa0) {
    for (const auto& c : der_children(src, f[i])) {
      if (c.tag != 0x30) continue;  // other CertificateChoices (attribute certificates) are ignored
      Bytes der = der_bytes(src, c);
      v.certificates_.push_back(Certificate::from_der(der));
      v.certificate_ders_.push_back(std::move(der));
    }
    ++i;
  }
  if (i < f.size() && f[i].tag == 0xa1) {
    for (const auto& c : der_children(src, f[i])) v.crl_ders_.push_back(der_bytes(src, c));
    ++i;
  }
  if (i + 1 != f.size()) malformed("SignedData must end with signerInfos");
  expect(f[i], 0x31, "signerInfos");
  for (const auto& s : der_children(src, f[i])) v.signers_.push_back(cms_detail::parse_signer_info(der_bytes(src, s)));
  v.root_ = ci;
  return v;
}

bool SignedDataView::ber_encoded() const {
  // Asked by `inspect`, not by validation: the walk over the whole file is done only then.
  return !is_der_encoded(*source_, root_);
}

std::optional<Certificate> SignedDataView::find_signer_certificate(const SignerInfoView& signer,
                                                                   const std::vector<Certificate>& extra) const {
  auto matches = [&](const Certificate& c) {
    if (!signer.sid_key_id.empty()) return c.subject_key_id() == signer.sid_key_id;
    Bytes serial = c.serial();
    while (serial.size() > 1 && serial[0] == 0) serial.erase(serial.begin());
    return signer.sid_issuer && c.issuer() == *signer.sid_issuer && serial == signer.sid_serial;
  };
  for (const auto& c : certificates_)
    if (matches(c)) return c;
  for (const auto& c : extra)
    if (matches(c)) return c;
  return std::nullopt;
}

}  // namespace sign
