// Certificate revocation lists (RFC 5280 §5), signed through the issuer's crypto suite.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include "io/file_context.hpp"
#include "pki/signature.hpp"

#include <botan/asn1_time.h>
#include <botan/der_enc.h>
#include <botan/pkix_types.h>
#include <botan/x509_crl.h>
#include <botan/x509_ext.h>

#include <array>

namespace sign {
namespace {

constexpr std::string_view kLabel = "X509 CRL";

struct ReasonName {
  RevocationReason reason;
  std::string_view name;
};
constexpr std::array<ReasonName, 8> kReasons{{
    {RevocationReason::unspecified, "unspecified"},
    {RevocationReason::key_compromise, "keyCompromise"},
    {RevocationReason::ca_compromise, "cACompromise"},
    {RevocationReason::affiliation_changed, "affiliationChanged"},
    {RevocationReason::superseded, "superseded"},
    {RevocationReason::cessation_of_operation, "cessationOfOperation"},
    {RevocationReason::certificate_hold, "certificateHold"},
    {RevocationReason::privilege_withdrawn, "privilegeWithdrawn"},
}};

std::string fold(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TimePoint to_time_point(const Botan::X509_Time& t) {
  return TimePoint(std::chrono::seconds(t.time_since_epoch()));
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
                const std::vector<RevokedEntry>& entries) {
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
      .start_cons(Botan::SEQUENCE).encode(Botan::OID("2.5.29.20")).encode(number, Botan::OCTET_STRING).end_cons()
      .end_cons()
      .end_cons()
      .end_cons();
  return from_der(detail::assemble_signed(tbs, alg, detail::sign_tbs(issuer_key, tbs)));
}

Crl Crl::from_der(ByteView der) {
  Crl c;
  try {
    Botan::X509_CRL crl(std::vector<std::uint8_t>(der.begin(), der.end()));
    c.tbs_ = crl.tbs_data();
    c.signature_ = crl.signature();
    c.sig_alg_oid_ = crl.signature_algorithm().get_oid().to_string();
    c.issuer_ = DistinguishedName::from_der(detail::name_der(crl.issuer_dn().get_bits()));
    c.this_update_ = to_time_point(crl.this_update());
    if (crl.next_update().time_is_set()) c.next_update_ = to_time_point(crl.next_update());
    if (crl.extensions().extension_set(Botan::OID("2.5.29.20"))) c.crl_number_ = crl.crl_number();
    c.aki_ = crl.authority_key_id();
    for (const auto& e : crl.get_revoked())
      c.entries_.push_back({e.serial_number(), to_time_point(e.expire_time()),
                            static_cast<RevocationReason>(e.reason_code())});
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("malformed CRL: ") + e.what());
  }
  c.der_.assign(der.begin(), der.end());
  return c;
}

Crl Crl::from_pem(std::string_view pem) { return from_der(pem_blocks_labelled(pem, {kLabel}).front()); }

Crl Crl::load(const std::string& path) {
  const auto der = read_der_objects(path, {kLabel}).front();
  return detail::with_file_context(path, [&] { return from_der(der); });
}

std::string Crl::pem() const { return pem_encode(der_, kLabel); }

const RevokedEntry* Crl::find(const Bytes& serial) const {
  for (const auto& e : entries_)
    if (e.serial == serial) return &e;
  return nullptr;
}

bool Crl::verify_signature(const PublicKey& issuer_key) const {
  return detail::verify_tbs_cached(issuer_key, sig_alg_oid_, tbs_, signature_);
}

}  // namespace sign
