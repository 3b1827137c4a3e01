// PKCS#10 certification requests (RFC 2986), signed through the key's crypto suite.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include "io/file_context.hpp"
#include "pki/signature.hpp"

#include <botan/der_enc.h>
#include <botan/ber_dec.h>

namespace sign {

CertificateRequest CertificateRequest::create(const PrivateKey& key, const DistinguishedName& subject) {
  Bytes info;
  Botan::DER_Encoder(info)
      .start_cons(Botan::SEQUENCE)
      .encode(static_cast<std::size_t>(0))
      .raw_bytes(subject.der())
      .raw_bytes(key.public_key().to_der())
      .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)  // attributes: none
      .end_cons()
      .end_cons();
  const auto alg = detail::signature_algorithm(key.suite());
  return from_der(detail::assemble_signed(info, alg, detail::sign_tbs(key, info)));
}

namespace {

constexpr std::string_view kLabel = "CERTIFICATE REQUEST";

// Re-encodes a decoded object to its TLV bytes (identical to the input for DER input).
Bytes tlv(const Botan::BER_Object& obj) {
  Bytes out;
  Botan::DER_Encoder(out).add_object(obj.type(), obj.get_class(), obj.bits(), obj.length());
  return out;
}

}  // namespace

// Parsed by hand: Botan's PKCS10_Request insists on checking the self-signature itself,
// which it cannot do for SM2.
CertificateRequest CertificateRequest::from_der(ByteView der) {
  CertificateRequest r;
  try {
    Botan::BER_Decoder outer(der.data(), der.size());
    Botan::BER_Decoder req = outer.start_cons(Botan::SEQUENCE);
    const Botan::BER_Object info = req.get_next_object();
    if (!info.is_a(Botan::SEQUENCE, Botan::CONSTRUCTED)) throw FormatError("request info is not a SEQUENCE");
    Botan::AlgorithmIdentifier alg;
    std::vector<std::uint8_t> sig;
    req.decode(alg).decode(sig, Botan::BIT_STRING).end_cons();
    outer.verify_end();

    std::size_t version = 0;
    Botan::BER_Decoder body(info.bits(), info.length());
    body.decode(version);
    if (version != 0) throw FormatError("unsupported request version " + std::to_string(version));
    const Botan::BER_Object subject = body.get_next_object();
    const Botan::BER_Object spki = body.get_next_object();
    r.tbs_ = tlv(info);
    r.signature_.assign(sig.begin(), sig.end());
    r.sig_alg_oid_ = alg.get_oid().to_string();
    r.subject_ = DistinguishedName::from_der(tlv(subject));
    r.public_key_ = PublicKey::from_der(tlv(spki));
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("malformed certification request: ") + e.what());
  }
  r.der_.assign(der.begin(), der.end());
  return r;
}

CertificateRequest CertificateRequest::from_pem(std::string_view pem) {
  return from_der(pem_blocks_labelled(pem, {kLabel, "NEW CERTIFICATE REQUEST"}).front());
}

CertificateRequest CertificateRequest::load(const std::string& path) {
  const auto der = read_der_objects(path, {kLabel, "NEW CERTIFICATE REQUEST"}).front();
  return detail::with_file_context(path, [&] { return from_der(der); });
}

std::string CertificateRequest::pem() const { return pem_encode(der_, kLabel); }

bool CertificateRequest::verify_self_signature() const {
  return detail::verify_tbs(*public_key_, sig_alg_oid_, tbs_, signature_);
}

}  // namespace sign
