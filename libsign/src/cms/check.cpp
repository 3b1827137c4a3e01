// The cryptographic check of every signer of a SignedData: messageDigest against the
// document (streamed once for all signers), the signature over the DER signed attributes
// exactly as received, and signingCertificateV2 against the signer's certificate.
#include "cms/cms_internal.hpp"

#include <sign/error.hpp>

#include <map>

namespace sign {

using namespace cms_detail;

namespace {

using Status = SignerCheck::Status;

SignerCheck failed(SignerCheck c, Status s, std::string message) {
  c.status = s;
  c.message = std::move(message);
  return c;
}

// Everything about a signer that does not need the document.
SignerCheck prepare(const SignedDataView& sd, const SignerInfoView& si, const CheckOptions& o, bool counter = false) {
  SignerCheck c;
  c.digest_oid = si.digest_oid;
  c.signature_oid = si.signature_oid;
  c.has_signed_attributes = !si.signed_attrs_der.empty();
  if (auto problem = attribute_cardinality_problem(si, counter); !problem.empty())
    return failed(c, Status::format_error, problem);
  c.signing_time = si.signing_time();
  if (si.signed_attr(oid::signing_time) && !c.signing_time)
    return failed(c, Status::format_error, "malformed signing-time attribute");
  try {
    c.commitment = si.commitment();
  } catch (const FormatError&) {
    return failed(c, Status::format_error, "malformed commitment-type-indication");
  }
  c.certificate = sd.find_signer_certificate(si, o.extra_certificates);
  if (!c.certificate)
    return failed(c, Status::no_signer_certificate,
                  "the signer's certificate is neither in the signature nor among the given certificates");
  c.suite = c.certificate->public_key().suite();
  if (!signature_oid_fits(si.signature_oid, *c.suite))
    return failed(c, Status::unsupported_algorithm,
                  "signature algorithm " + si.signature_oid + " does not fit the signer's " +
                      std::string(suite_name(*c.suite)) + " key");
  DigestAlgorithm named{};
  if (!digest_from_oid(si.digest_oid, named) || named != suite_info(*c.suite).digest)
    return failed(c, Status::unsupported_algorithm,
                  "digest algorithm " + si.digest_oid + " is not the " + std::string(suite_name(*c.suite)) +
                      " suite's " + std::string(digest_name(suite_info(*c.suite).digest)));
  c.status = Status::valid;
  return c;
}

SignerCheck finish_with_attributes_unguarded(SignerCheck c, const SignerInfoView& si, ByteView digest,
                                             std::optional<std::string_view> econtent_type, const CheckOptions& o);

// Checks signed attributes and the signature, given the digest of what they cover; a malformed
// value inside an attribute is the signer's format failure, not an error of the whole file.
SignerCheck finish_with_attributes(SignerCheck c, const SignerInfoView& si, ByteView digest,
                                   std::optional<std::string_view> econtent_type, const CheckOptions& o) {
  try {
    return finish_with_attributes_unguarded(c, si, digest, econtent_type, o);
  } catch (const FormatError& e) {
    return failed(c, Status::format_error, e.what());
  }
}

SignerCheck finish_with_attributes_unguarded(SignerCheck c, const SignerInfoView& si, ByteView digest,
                                             std::optional<std::string_view> econtent_type, const CheckOptions& o) {
  const auto* md = si.signed_attr(oid::message_digest);
  if (!md || md->values.size() != 1) return failed(c, Status::format_error, "messageDigest attribute missing or repeated");
  if (econtent_type) {
    const auto* ct = si.signed_attr(oid::content_type);
    if (!ct || ct->values.size() != 1) return failed(c, Status::format_error, "contentType attribute missing or repeated");
    if (oid_from_der(ct->values[0]) != *econtent_type)
      return failed(c, Status::format_error, "contentType attribute differs from the encapsulated content type");
  }
  if (md->values[0] != der_tlv(0x04, digest))
    return failed(c, Status::hash_failure, "the document's digest differs from the signed messageDigest");
  if (!c.certificate->public_key().verify(si.signed_attrs_der, si.signature, o.sign_options))
    return failed(c, Status::signature_failure, "the signature over the signed attributes does not verify");
  // signingCertificateV2 (or ESS v1) binds the signer's certificate to the signature: without
  // it, any certificate of the same key would verify (the validate module decides on that).
  for (const auto* attr_oid : {&oid::signing_certificate_v2, &oid::signing_certificate_v1}) {
    const auto* sc = si.signed_attr(*attr_oid);
    if (!sc) continue;
    const bool v2 = attr_oid == &oid::signing_certificate_v2;
    EssCertId id;
    try {
      id = v2 ? parse_signing_certificate_v2(sc->values[0]) : parse_signing_certificate_v1(sc->values[0]);
    } catch (const FormatError& e) {
      return failed(c, Status::format_error, e.what());
    }
    DigestAlgorithm alg;
    if (!digest_from_oid(id.hash_oid, alg))
      return failed(c, Status::unsupported_algorithm, "signing certificate attribute uses unsupported hash " + id.hash_oid);
    if (c.certificate->digest(alg) != id.hash)
      return failed(c, Status::signing_cert_mismatch,
                    "the signing certificate attribute names another certificate than the one that verifies the signature");
    // The same DER is the same name; only another encoding needs parsing and comparing.
    if (id.issuer_name_der &&
        ((*id.issuer_name_der != c.certificate->issuer().der() &&
          !(DistinguishedName::from_der(*id.issuer_name_der) == c.certificate->issuer())) ||
         id.serial != c.certificate->serial()))
      return failed(c, Status::signing_cert_mismatch,
                    "the signing certificate attribute's issuer and serial number do not match the signer's certificate");
    c.signing_certificate_checked = true;
  }
  return c;
}

SignerCheck check_counter_signature(const SignedDataView& sd, const SignerInfoView& cs, const SignerInfoView& parent,
                                    const CheckOptions& o) {
  SignerCheck c = prepare(sd, cs, o, true);
  if (!c.ok()) return c;
  if (cs.signed_attrs_der.empty())
    return failed(c, Status::format_error, "a countersignature must have signed attributes");
  const Bytes digest = digest_bytes(suite_info(*c.suite).digest, parent.signature);
  c = finish_with_attributes(c, cs, digest, std::nullopt, o);
  for (const auto& nested : cs.counter_signatures) c.counter_signatures.push_back(check_counter_signature(sd, nested, cs, o));
  return c;
}

}  // namespace

std::string_view check_status_name(SignerCheck::Status s) {
  switch (s) {
    case Status::valid: return "valid";
    case Status::hash_failure: return "HASH_FAILURE";
    case Status::signature_failure: return "SIG_CRYPTO_FAILURE";
    case Status::signing_cert_mismatch: return "SIGNING_CERTIFICATE_MISMATCH";
    case Status::no_signer_certificate: return "NO_SIGNING_CERTIFICATE_FOUND";
    case Status::unsupported_algorithm: return "UNSUPPORTED_ALGORITHM";
    case Status::format_error: return "FORMAT_FAILURE";
  }
  return "unknown";
}

std::vector<SignerCheck> check_signatures(const SignedDataView& sd, const std::optional<Content>& content,
                                          const CheckOptions& o) {
  const auto attached = sd.attached_content();
  const std::optional<Content>& doc = attached ? attached : content;
  if (!doc) throw UsageError("the signature is detached: give the signed document to check it");

  std::vector<SignerCheck> results;
  for (const auto& si : sd.signers()) results.push_back(prepare(sd, si, o));

  // One pass over the document: a digest per algorithm in use, and a streaming verifier for
  // each signer without signed attributes (its signature covers the document itself).
  std::map<DigestAlgorithm, Digest> digests;
  std::map<std::size_t, std::unique_ptr<Verifier>> direct;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) continue;
    if (results[i].has_signed_attributes) {
      const DigestAlgorithm alg = suite_info(*results[i].suite).digest;
      digests.try_emplace(alg, alg);
    } else {
      direct[i] = results[i].certificate->public_key().verifier(o.sign_options);
    }
  }
  // A document given beside an attached one must be the same bytes: otherwise a verdict on the
  // attached document would read as a verdict on the file the user named.
  const ByteSource* given = attached && content ? content->source.get() : nullptr;
  std::optional<std::uint64_t> differs_at;
  if (given && given->size() != doc->source->size()) differs_at = std::min(given->size(), doc->source->size());
  std::uint64_t position = 0;
  Bytes other;
  doc->source->stream_range(0, doc->source->size(), [&](ByteView chunk) {
    for (auto& [alg, d] : digests) d.update(chunk);
    for (auto& [i, v] : direct) v->update(chunk);
    if (given && !differs_at) {
      other.resize(chunk.size());
      given->read(position, other);
      if (!std::equal(chunk.begin(), chunk.end(), other.begin()))
        differs_at = position + static_cast<std::uint64_t>(
                                    std::mismatch(chunk.begin(), chunk.end(), other.begin()).first - chunk.begin());
    }
    position += chunk.size();
  });
  if (differs_at) {
    for (auto& c : results)
      if (c.ok())
        c = failed(c, Status::hash_failure,
                   "the document given is not the one attached to the signature (they differ at byte " +
                       std::to_string(*differs_at) + "); the attached document is what was signed");
    return results;
  }
  std::map<DigestAlgorithm, Bytes> finished;
  for (auto& [alg, d] : digests) finished[alg] = d.finish();

  for (std::size_t i = 0; i < results.size(); ++i) {
    auto& c = results[i];
    const auto& si = sd.signers()[i];
    if (!c.ok()) continue;
    if (c.has_signed_attributes) {
      c = finish_with_attributes(c, si, finished.at(suite_info(*c.suite).digest), sd.econtent_type(), o);
    } else if (!direct.at(i)->verify(si.signature)) {
      c = failed(c, Status::signature_failure, "the signature over the document does not verify");
    }
    for (const auto& cs : si.counter_signatures) c.counter_signatures.push_back(check_counter_signature(sd, cs, si, o));
  }
  return results;
}

}  // namespace sign
