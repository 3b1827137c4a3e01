// Certificate revocation lists (RFC 5280 §5), signed through the issuer's crypto suite.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include <algorithm>
#include <mutex>
#include <functional>

#include "io/file_context.hpp"
#include "pki/extensions.hpp"
#include "pki/signature.hpp"

#include <botan/asn1_time.h>
#include <botan/der_enc.h>
#include <botan/pkix_types.h>
#include <botan/x509_crl.h>
#include <botan/x509_ext.h>

#include <array>

namespace sign {

struct Crl::State {
  Bytes der_, tbs_, signature_, aki_;
  std::string sig_alg_oid_;
  DistinguishedName issuer_;
  TimePoint this_update_{};
  std::optional<TimePoint> next_update_;
  std::optional<std::uint64_t> crl_number_;
  std::optional<std::uint64_t> delta_base_;
  std::vector<std::string> freshest_urls_;
  std::vector<RevokedEntry> entries_;
  std::vector<std::size_t> index_;  ///< entries_ positions ordered by serial, for find()
  // Issuer keys (SubjectPublicKeyInfo DER) this CRL was checked against, and the answers.
  mutable std::mutex verified_mutex;
  mutable std::vector<std::pair<Bytes, bool>> verified;
};
namespace {

constexpr std::string_view kLabel = "X509 CRL";

struct ReasonName {
  RevocationReason reason;
  std::string_view name;
};
constexpr std::array<ReasonName, 9> kReasons{{
    {RevocationReason::unspecified, "unspecified"},
    {RevocationReason::key_compromise, "keyCompromise"},
    {RevocationReason::ca_compromise, "cACompromise"},
    {RevocationReason::affiliation_changed, "affiliationChanged"},
    {RevocationReason::superseded, "superseded"},
    {RevocationReason::cessation_of_operation, "cessationOfOperation"},
    {RevocationReason::certificate_hold, "certificateHold"},
    {RevocationReason::remove_from_crl, "removeFromCRL"},
    {RevocationReason::privilege_withdrawn, "privilegeWithdrawn"},
}};

std::string fold(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view reason_name(RevocationReason r) {
  for (const auto& n : kReasons)
    if (n.reason == r) return n.name;
  return "unspecified";
}

RevocationReason parse_reason(std::string_view text) {
  std::string valid;
  for (const auto& n : kReasons) {
    if (fold(n.name) == fold(text)) return n.reason;
    valid += (valid.empty() ? "" : ", ") + std::string(n.name);
  }
  throw UsageError("unknown revocation reason '" + std::string(text) + "' (valid: " + valid + ")");
}

Crl Crl::create(const DistinguishedName& issuer, const Bytes& issuer_key_id, const PrivateKey& issuer_key,
                std::uint64_t crl_number, TimePoint this_update, TimePoint next_update,
                const std::vector<RevokedEntry>& entries, const CrlExtensions& extensions) {
  const auto alg = detail::signature_algorithm(issuer_key.suite());
  Bytes tbs;
  Botan::DER_Encoder enc(tbs);
  enc.start_cons(Botan::SEQUENCE)
      .encode(static_cast<std::size_t>(1))  // v2
      .encode(alg)
      .raw_bytes(issuer.der())
      .raw_bytes(x509_time_der(this_update))
      .raw_bytes(x509_time_der(next_update));
  if (!entries.empty()) {
    enc.start_cons(Botan::SEQUENCE);
    for (const auto& e : entries) {
      enc.start_cons(Botan::SEQUENCE)
          .encode(detail::to_bigint(e.serial))
          .raw_bytes(x509_time_der(e.revocation_time));
      if (e.reason != RevocationReason::unspecified) {
        Bytes reason;
        Botan::DER_Encoder(reason).encode(static_cast<std::size_t>(e.reason), Botan::ENUMERATED,
                                          Botan::UNIVERSAL);
        enc.start_cons(Botan::SEQUENCE)
            .start_cons(Botan::SEQUENCE)
            .encode(Botan::OID("2.5.29.21"))
            .encode(reason, Botan::OCTET_STRING)
            .end_cons()
            .end_cons();
      }
      enc.end_cons();
    }
    enc.end_cons();
  }
  Bytes aki, number;
  Botan::DER_Encoder(aki)
      .start_cons(Botan::SEQUENCE)
      .add_object(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC, issuer_key_id.data(), issuer_key_id.size())
      .end_cons();
  Botan::DER_Encoder(number).encode(static_cast<std::size_t>(crl_number));
  enc.start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::SEQUENCE).encode(Botan::OID("2.5.29.35")).encode(aki, Botan::OCTET_STRING).end_cons()
      .start_cons(Botan::SEQUENCE).encode(Botan::OID("2.5.29.20")).encode(number, Botan::OCTET_STRING).end_cons();
  if (extensions.delta_base) {  // deltaCRLIndicator, always critical (RFC 5280 §5.2.4)
    Bytes base;
    Botan::DER_Encoder(base).encode(static_cast<std::size_t>(*extensions.delta_base));
    enc.start_cons(Botan::SEQUENCE).encode(Botan::OID("2.5.29.27")).encode(true).encode(base, Botan::OCTET_STRING).end_cons();
  }
  if (!extensions.freshest_crl_urls.empty())
    enc.start_cons(Botan::SEQUENCE)
        .encode(Botan::OID("2.5.29.46"))
        .encode(detail::distribution_points_der(extensions.freshest_crl_urls), Botan::OCTET_STRING)
        .end_cons();
  enc.end_cons()
      .end_cons()
      .end_cons();
  return from_der(detail::assemble_signed(tbs, alg, detail::sign_tbs(issuer_key, tbs)));
}

namespace {

[[noreturn]] void bad_crl(const std::string& what) { throw FormatError("malformed CRL: " + what); }

void expect_tag(const DerNode& n, std::uint8_t tag, const char* what) {
  if (n.tag != tag) bad_crl(std::string(what) + " has the wrong type");
}

Bytes unsigned_bytes(Bytes v) {
  while (v.size() > 1 && v[0] == 0) v.erase(v.begin());
  return v;
}

// A CRLNumber INTEGER (cRLNumber, deltaCRLIndicator's BaseCRLNumber), at most 64 bits here.
std::uint64_t crl_number_value(const ByteSource& src, const DerNode& v, const char* extension, const char* field) {
  expect_tag(v, 0x02, extension);
  const Bytes n = unsigned_bytes(der_content(src, v));
  if (n.size() > 8) bad_crl(std::string(field) + " larger than 64 bits");
  std::uint64_t number = 0;
  for (auto b : n) number = (number << 8) | b;
  return number;
}

// Extensions we act on; any other critical one (issuing distribution
// point, an indirect CRL's certificateIssuer) means a CRL we cannot interpret: refused.
void read_crl_extensions(const ByteSource& src, const DerNode& list, const std::function<void(const std::string&, const Bytes&)>& use,
                         std::initializer_list<std::string_view> known) {
  for (const auto& ext : detail::read_extensions(src, list, "CRL")) {
    const bool understood = std::find(known.begin(), known.end(), ext.oid) != known.end();
    if (!understood && ext.critical) bad_crl("critical extension " + ext.oid + " is not supported");
    if (understood) use(ext.oid, ext.value);
  }
}

}  // namespace

// Parsed with the asn1 module's strict DER reader (RFC 5280 §5.1): nextUpdate is optional,
// times cover years 0000-9999, and the entries are indexed by serial for O(log n) lookups.
Crl Crl::from_der(ByteView der) {
  auto state = std::make_shared<Crl::State>();
  Crl::State& c = *state;
  c.der_.assign(der.begin(), der.end());
  const auto src = memory_source(c.der_);
  const DerNode root = read_der_node(*src, 0, src->size());
  if (root.end() != src->size()) bad_crl("trailing bytes after the CRL");
  expect_tag(root, 0x30, "CertificateList");
  const auto top = der_children(*src, root);
  if (top.size() != 3) bad_crl("a CRL has three parts");
  expect_tag(top[0], 0x30, "TBSCertList");
  expect_tag(top[1], 0x30, "signatureAlgorithm");
  expect_tag(top[2], 0x03, "signature");
  c.tbs_ = der_bytes(*src, top[0]);
  c.sig_alg_oid_ = oid_from_der(der_bytes(*src, der_child(*src, top[1], 0)));
  c.signature_ = der_content(*src, top[2]);
  if (c.signature_.empty() || c.signature_[0] != 0) bad_crl("signature BIT STRING with unused bits");
  c.signature_.erase(c.signature_.begin());

  const auto f = der_children(*src, top[0]);
  std::size_t i = 0;
  if (i < f.size() && f[i].tag == 0x02) {
    if (der_content(*src, f[i]) != Bytes{1}) bad_crl("unsupported CRL version");
    ++i;
  }
  if (f.size() < i + 3) bad_crl("TBSCertList is too short");
  expect_tag(f[i], 0x30, "signature (TBS)");
  if (der_bytes(*src, f[i]) != der_bytes(*src, top[1]))
    bad_crl("the signature algorithm outside the TBSCertList differs from the one inside it");
  c.issuer_ = DistinguishedName::from_der(der_bytes(*src, f[i + 1]));
  c.this_update_ = decode_der_time(der_bytes(*src, f[i + 2]));
  i += 3;
  if (i < f.size() && (f[i].tag == 0x17 || f[i].tag == 0x18)) c.next_update_ = decode_der_time(der_bytes(*src, f[i++]));
  if (i < f.size() && f[i].tag == 0x30) {
    for (const auto& entry : der_children(*src, f[i])) {
      expect_tag(entry, 0x30, "revoked certificate entry");
      const auto e = der_children(*src, entry);
      if (e.size() < 2 || e.size() > 3) bad_crl("a revoked entry has a serial, a date and optional extensions");
      expect_tag(e[0], 0x02, "revoked serial number");
      RevokedEntry r;
      r.serial = unsigned_bytes(der_content(*src, e[0]));
      r.revocation_time = decode_der_time(der_bytes(*src, e[1]));
      if (e.size() == 3)
        read_crl_extensions(*src, e[2], [&](const std::string& oid, const Bytes& value) {
          if (oid != "2.5.29.21") return;  // reasonCode ENUMERATED
          if (value.size() != 3 || value[0] != 0x0a || value[1] != 1) bad_crl("malformed reasonCode");
          r.reason = static_cast<RevocationReason>(value[2]);
        }, {"2.5.29.21", "2.5.29.24"});  // reasonCode, invalidityDate
      c.entries_.push_back(std::move(r));
    }
    ++i;
  }
  if (i < f.size() && f[i].tag == 0xa0) {
    read_crl_extensions(*src, der_child(*src, f[i], 0), [&](const std::string& oid, const Bytes& value) {
      const auto vsrc = memory_source(value);
      const DerNode v = read_der_node(*vsrc, 0, vsrc->size());
      if (oid == "2.5.29.20") {  // cRLNumber
        c.crl_number_ = crl_number_value(*vsrc, v, "cRLNumber", "cRLNumber");
      } else if (oid == "2.5.29.35") {  // authorityKeyIdentifier
        expect_tag(v, 0x30, "authorityKeyIdentifier");
        for (const auto& part : der_children(*vsrc, v))
          if (part.tag == 0x80) c.aki_ = der_content(*vsrc, part);
      } else if (oid == "2.5.29.27") {  // deltaCRLIndicator: BaseCRLNumber
        c.delta_base_ = crl_number_value(*vsrc, v, "deltaCRLIndicator", "BaseCRLNumber");
      } else if (oid == "2.5.29.46") {  // freshestCRL
        expect_tag(v, 0x30, "freshestCRL");
        c.freshest_urls_ = detail::distribution_point_uris(*vsrc, v);
      }
    }, {"2.5.29.20", "2.5.29.35", "2.5.29.27", "2.5.29.46"});
    if (c.delta_base_ && !c.crl_number_) bad_crl("a delta CRL without a cRLNumber (RFC 5280 §5.2.4)");
    ++i;
  }
  if (i != f.size()) bad_crl("unexpected fields in TBSCertList");
  c.index_.resize(c.entries_.size());
  for (std::size_t k = 0; k < c.index_.size(); ++k) c.index_[k] = k;
  std::sort(c.index_.begin(), c.index_.end(), [&](std::size_t a, std::size_t b) {
    const Bytes &x = c.entries_[a].serial, &y = c.entries_[b].serial;
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  });
  Crl crl;
  crl.s_ = std::move(state);
  return crl;
}

Crl Crl::from_pem(std::string_view pem) { return from_der(pem_blocks_labelled(pem, {kLabel}).front()); }

Crl Crl::load(const std::string& path) {
  const auto der = read_der_objects(path, {kLabel}).front();
  return detail::with_file_context(path, [&] { return from_der(der); });
}

std::string Crl::pem() const { return pem_encode(s_->der_, kLabel); }
const Bytes& Crl::der() const { return s_->der_; }
const DistinguishedName& Crl::issuer() const { return s_->issuer_; }
TimePoint Crl::this_update() const { return s_->this_update_; }
std::optional<TimePoint> Crl::next_update() const { return s_->next_update_; }
std::optional<std::uint64_t> Crl::crl_number() const { return s_->crl_number_; }
std::optional<std::uint64_t> Crl::delta_base() const { return s_->delta_base_; }
const std::vector<std::string>& Crl::freshest_crl_urls() const { return s_->freshest_urls_; }
const Bytes& Crl::authority_key_id() const { return s_->aki_; }
const std::vector<RevokedEntry>& Crl::entries() const { return s_->entries_; }

const RevokedEntry* Crl::find(const Bytes& serial) const {
  const Bytes key = unsigned_bytes(serial);
  auto less = [](const Bytes& x, const Bytes& y) { return x.size() != y.size() ? x.size() < y.size() : x < y; };
  const auto& index = s_->index_;
  const auto& entries = s_->entries_;
  const auto it = std::lower_bound(index.begin(), index.end(), key,
                                   [&](std::size_t k, const Bytes& v) { return less(entries[k].serial, v); });
  if (it == index.end() || entries[*it].serial != key) return nullptr;
  return &entries[*it];
}

bool Crl::verify_signature(const PublicKey& issuer_key) const {
  const Bytes key = issuer_key.to_der();
  {
    std::lock_guard lock(s_->verified_mutex);
    for (const auto& [k, ok] : s_->verified)
      if (k == key) return ok;
  }
  const bool ok = detail::verify_tbs(issuer_key, s_->sig_alg_oid_, s_->tbs_, s_->signature_);
  std::lock_guard lock(s_->verified_mutex);
  if (s_->verified.size() < 16) s_->verified.emplace_back(key, ok);  // a CRL is checked against few keys
  return ok;
}

}  // namespace sign
