// Parsed certificates. Botan parses the structure for every suite; the public key goes
// through our crypto module (Botan misreads SM2 and GOST-256 keys), and name constraints are
// read from the raw extension so that directory names keep their exact bytes.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include "io/file_context.hpp"
#include "pki/signature.hpp"

#include <botan/ber_dec.h>
#include <botan/x509cert.h>
#include <botan/x509_ext.h>

namespace sign {

struct Certificate::Impl {
  Bytes der;
  Bytes tbs;
  Bytes signature;
  std::string sig_alg_oid;
  DistinguishedName subject, issuer;
  Bytes serial;
  TimePoint not_before{}, not_after{};
  std::optional<PublicKey> public_key;
  bool is_ca = false;
  std::optional<unsigned> path_len;
  std::optional<unsigned> key_usage;
  std::vector<std::string> eku, policies, crl_urls, ocsp_urls;
  Bytes ski, aki;
  std::vector<DistinguishedName> permitted, excluded;
};

namespace {

TimePoint to_time_point(const Botan::X509_Time& t) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(t.time_since_epoch()));
}

void read_subtrees(Botan::BER_Decoder& dec, std::vector<DistinguishedName>& out) {
  while (dec.more_items()) {
    Botan::BER_Decoder subtree = dec.start_cons(Botan::SEQUENCE);
    const Botan::BER_Object base = subtree.get_next_object();
    // Only directoryName [4] is meaningful for our profiles; other forms are kept out.
    if (base.is_a(4, Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED)))
      out.push_back(DistinguishedName::from_der({base.bits(), base.length()}));
    subtree.discard_remaining().end_cons();
  }
}

void parse_name_constraints(const Bytes& value, Certificate::Impl& impl) {
  Botan::BER_Decoder outer(value);
  Botan::BER_Decoder seq = outer.start_cons(Botan::SEQUENCE);
  while (seq.more_items()) {
    const Botan::BER_Object obj = seq.get_next_object();
    Botan::BER_Decoder inner(obj.bits(), obj.length());
    if (obj.is_a(0, Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED)))
      read_subtrees(inner, impl.permitted);
    else if (obj.is_a(1, Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED)))
      read_subtrees(inner, impl.excluded);
  }
}

// Botan reports key usage with its own bit values; map them to RFC 5280 bit positions.
unsigned from_botan_usage(unsigned botan) {
  struct Map {
    Botan::Key_Constraints botan;
    unsigned ours;
  };
  static constexpr Map kMap[] = {
      {Botan::DIGITAL_SIGNATURE, kDigitalSignature}, {Botan::NON_REPUDIATION, kNonRepudiation},
      {Botan::KEY_ENCIPHERMENT, kKeyEncipherment},   {Botan::DATA_ENCIPHERMENT, kDataEncipherment},
      {Botan::KEY_AGREEMENT, kKeyAgreement},         {Botan::KEY_CERT_SIGN, kKeyCertSign},
      {Botan::CRL_SIGN, kCrlSign},
  };
  unsigned out = 0;
  for (const auto& m : kMap)
    if (botan & m.botan) out |= m.ours;
  return out;
}

// CRLDistributionPoints: the URIs of every fullName (Botan 2 only reports a formatted string).
void parse_crl_distribution_points(const Bytes& value, Certificate::Impl& impl) {
  Botan::BER_Decoder outer(value);
  Botan::BER_Decoder points = outer.start_cons(Botan::SEQUENCE);
  while (points.more_items()) {
    Botan::BER_Decoder point = points.start_cons(Botan::SEQUENCE);
    while (point.more_items()) {
      const Botan::BER_Object field = point.get_next_object();
      if (!field.is_a(0, Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED))) continue;
      Botan::BER_Decoder name(field.bits(), field.length());
      const Botan::BER_Object full = name.get_next_object();
      if (!full.is_a(0, Botan::ASN1_Tag(Botan::CONTEXT_SPECIFIC | Botan::CONSTRUCTED))) continue;
      Botan::BER_Decoder names(full.bits(), full.length());
      while (names.more_items()) {
        const Botan::BER_Object gn = names.get_next_object();
        if (gn.is_a(6, Botan::CONTEXT_SPECIFIC))
          impl.crl_urls.emplace_back(reinterpret_cast<const char*>(gn.bits()), gn.length());
      }
    }
  }
}

std::shared_ptr<const Certificate::Impl> parse(ByteView der) {
  auto impl = std::make_shared<Certificate::Impl>();
  impl->der.assign(der.begin(), der.end());
  try {
    Botan::X509_Certificate cert(der.data(), der.size());
    impl->tbs = cert.tbs_data();
    impl->signature = cert.signature();
    impl->sig_alg_oid = cert.signature_algorithm().get_oid().to_string();
    impl->subject = DistinguishedName::from_der(cert.raw_subject_dn());
    impl->issuer = DistinguishedName::from_der(cert.raw_issuer_dn());
    impl->serial = cert.serial_number();
    impl->not_before = to_time_point(cert.not_before());
    impl->not_after = to_time_point(cert.not_after());
    impl->is_ca = cert.is_CA_cert();
    if (impl->is_ca && cert.path_limit() != Botan::Cert_Extension::NO_CERT_PATH_LIMIT)
      impl->path_len = cert.path_limit();
    const auto& exts = cert.v3_extensions();
    if (exts.extension_set(Botan::OID::from_string("X509v3.KeyUsage")))
      impl->key_usage = from_botan_usage(static_cast<unsigned>(cert.constraints()));
    for (const auto& o : cert.extended_key_usage()) impl->eku.push_back(o.to_string());
    for (const auto& o : cert.certificate_policy_oids()) impl->policies.push_back(o.to_string());

    if (!cert.ocsp_responder().empty()) impl->ocsp_urls.push_back(cert.ocsp_responder());
    impl->ski = cert.subject_key_id();
    impl->aki = cert.authority_key_id();
    for (const auto& [oid, value] : exts.extensions_raw()) {
      if (oid.to_string() == "2.5.29.30") parse_name_constraints(value.first, *impl);
      if (oid.to_string() == "2.5.29.31") parse_crl_distribution_points(value.first, *impl);
    }
    impl->public_key = PublicKey::from_der(cert.subject_public_key_info());
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("malformed certificate: ") + e.what());
  }
  return impl;
}

}  // namespace

Certificate::Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Certificate Certificate::from_der(ByteView der) {
  return Certificate(parse(der));
}

Certificate Certificate::from_pem(std::string_view pem) {
  return from_der(pem_blocks_labelled(pem, {"CERTIFICATE"}).front());
}

std::vector<Certificate> Certificate::load_all(const std::string& path) {
  const auto objects = read_der_objects(path, {"CERTIFICATE"});
  return detail::with_file_context(path, [&] {
    std::vector<Certificate> out;
    for (const auto& der : objects) out.push_back(from_der(der));
    return out;
  });
}

Certificate Certificate::load(const std::string& path) { return load_all(path).front(); }

const Bytes& Certificate::der() const { return impl_->der; }
std::string Certificate::pem() const { return pem_encode(impl_->der, "CERTIFICATE"); }
const DistinguishedName& Certificate::subject() const { return impl_->subject; }
const DistinguishedName& Certificate::issuer() const { return impl_->issuer; }
const Bytes& Certificate::serial() const { return impl_->serial; }
std::string Certificate::serial_hex() const { return to_hex(impl_->serial); }
TimePoint Certificate::not_before() const { return impl_->not_before; }
TimePoint Certificate::not_after() const { return impl_->not_after; }
const PublicKey& Certificate::public_key() const { return *impl_->public_key; }
std::optional<Suite> Certificate::signature_suite() const {
  return detail::suite_for_signature_oid(impl_->sig_alg_oid);
}
std::string Certificate::signature_algorithm_oid() const { return impl_->sig_alg_oid; }
bool Certificate::is_ca() const { return impl_->is_ca; }
std::optional<unsigned> Certificate::path_len() const { return impl_->path_len; }
std::optional<unsigned> Certificate::key_usage() const { return impl_->key_usage; }
std::vector<std::string> Certificate::extended_key_usage() const { return impl_->eku; }
std::vector<std::string> Certificate::policies() const { return impl_->policies; }
const Bytes& Certificate::subject_key_id() const { return impl_->ski; }
const Bytes& Certificate::authority_key_id() const { return impl_->aki; }
std::vector<std::string> Certificate::crl_urls() const { return impl_->crl_urls; }
std::vector<std::string> Certificate::ocsp_urls() const { return impl_->ocsp_urls; }
const std::vector<DistinguishedName>& Certificate::permitted_subtrees() const { return impl_->permitted; }
const std::vector<DistinguishedName>& Certificate::excluded_subtrees() const { return impl_->excluded; }
bool Certificate::is_self_issued() const { return impl_->subject == impl_->issuer; }

std::string Certificate::fingerprint() const {
  return to_hex(digest_bytes(DigestAlgorithm::sha256, impl_->der));
}

bool Certificate::verify_signature(const PublicKey& issuer_key) const {
  return detail::verify_tbs(issuer_key, impl_->sig_alg_oid, impl_->tbs, impl_->signature);
}

}  // namespace sign
