// PKCS#10 certification requests (RFC 2986), signed through the key's crypto suite.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include "pki/signature.hpp"

#include <botan/der_enc.h>
#include <botan/pkcs10.h>
#include <botan/pkix_types.h>

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

CertificateRequest CertificateRequest::from_der(ByteView der) {
  CertificateRequest r;
  try {
    Botan::PKCS10_Request req(std::vector<std::uint8_t>(der.begin(), der.end()));
    r.tbs_ = req.tbs_data();
    r.signature_ = req.signature();
    r.sig_alg_oid_ = req.signature_algorithm().get_oid().to_string();
    r.subject_ = DistinguishedName::from_der(req.subject_dn().get_bits());
    r.public_key_ = PublicKey::from_der(req.raw_public_key());
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("malformed certification request: ") + e.what());
  }
  r.der_.assign(der.begin(), der.end());
  return r;
}

CertificateRequest CertificateRequest::from_pem(std::string_view pem) {
  for (const auto& b : pem_decode_all(pem))
    if (b.label == "CERTIFICATE REQUEST" || b.label == "NEW CERTIFICATE REQUEST") return from_der(b.der);
  throw FormatError("no PEM block 'CERTIFICATE REQUEST' found");
}

CertificateRequest CertificateRequest::load(const std::string& path) {
  const Bytes data = read_file(path);
  try {
    if (looks_like_pem(data)) return from_pem({reinterpret_cast<const char*>(data.data()), data.size()});
    return from_der(data);
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  }
}

std::string CertificateRequest::pem() const { return pem_encode(der_, "CERTIFICATE REQUEST"); }

bool CertificateRequest::verify_self_signature() const {
  return detail::verify_tbs(*public_key_, sig_alg_oid_, tbs_, signature_);
}

}  // namespace sign
