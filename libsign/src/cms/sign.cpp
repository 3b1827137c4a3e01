// Making signatures: a new SignedData, a parallel co-signature, a countersignature.
#include "cms/cms_internal.hpp"

#include <sign/error.hpp>

#include <map>

namespace sign {

Bytes digest_content(const Content& content, DigestAlgorithm alg) {
  // A signer hashes document after document: one digest per algorithm and thread, which
  // finish() resets; dropped when reading the document fails halfway through it.
  thread_local std::map<DigestAlgorithm, Digest> digests;
  auto it = digests.find(alg);
  if (it == digests.end()) it = digests.emplace(alg, Digest(alg)).first;
  try {
    content.source->stream_range(0, content.source->size(), [&](ByteView chunk) { it->second.update(chunk); });
  } catch (...) {
    digests.erase(it);
    throw;
  }
  return it->second.finish();
}

using namespace cms_detail;

namespace {

std::string data_type(OidStyle style) { return std::string(style == OidStyle::gmt ? oid::gm_data : oid::data); }

// CAdES baseline-B signed attributes over a document digest.
std::vector<Bytes> cades_attributes(const SignerSpec& signer, std::string_view econtent_type, ByteView digest) {
  std::vector<Bytes> attrs{content_type_attribute(econtent_type), message_digest_attribute(digest),
                           signing_time_attribute(signer.signing_time),
                           signing_certificate_v2_attribute(signer.certificate, signer.key.suite())};
  if (signer.commitment != Commitment::none) attrs.push_back(commitment_attribute(signer.commitment));
  return attrs;
}

std::vector<ByteView> certificate_ders(const SignerSpec& signer) {
  std::vector<ByteView> out{signer.certificate.der()};
  for (const auto& c : signer.chain) append_unique(out, {c.der()});
  return out;
}

std::vector<ByteView> views_of(const std::vector<Bytes>& ders) { return {ders.begin(), ders.end()}; }

// The parts of an existing SignedData, ready to be written again with changes.
SignedDataParts parts_of(const SignedDataView& sd) {
  SignedDataParts p;
  p.style = sd.oid_style();
  p.version = sd.version();
  p.digest_algorithms = sd.digest_algorithm_ders();
  p.econtent_type = sd.econtent_type();
  p.certificates = views_of(sd.certificate_ders());
  p.crls = sd.crl_ders();
  for (const auto& s : sd.signers()) p.signer_infos.push_back(s.der);
  return p;
}

// Writes an existing SignedData again with changed parts; an attached document is copied
// through from the original file.
void rewrite(SignedDataParts p, const SignedDataView& existing, const std::function<void(ByteView)>& sink) {
  const auto attached = existing.attached_content();  // keeps the source alive during the write
  if (attached) {
    p.content = attached->source.get();
    p.content_length = attached->source->size();
  }
  write_signed_data(p, sink);
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The SignerInfo with one more value of an unsigned attribute; everything before the
// unsigned attributes (and so the signature) is copied byte for byte.
Bytes with_unsigned_value(const SignerInfoView& target, std::string_view attr_oid, const Bytes& value) {
  const auto src = memory_source(target.der);
  const DerNode root = read_der_node(*src, 0, src->size());
  Bytes content;
  for (const auto& f : der_children(*src, root)) {
    if (f.tag == 0xa1) continue;
    const Bytes b = der_bytes(*src, f);
    content.insert(content.end(), b.begin(), b.end());
  }
  std::vector<Bytes> attrs;
  bool added = false;
  for (const auto& a : target.unsigned_attrs) {
    std::vector<Bytes> values = a.values;
    if (a.oid == attr_oid) {
      append_unique(values, {value});
      added = true;
    }
    attrs.push_back(sequence({oid_der(a.oid), set_of(values)}));
  }
  if (!added) attrs.push_back(sequence({oid_der(attr_oid), set_of({value})}));
  const Bytes unsigned_set = set_in_order(attrs, 0xa1);
  content.insert(content.end(), unsigned_set.begin(), unsigned_set.end());
  return der_tlv(0x30, content);
}

}  // namespace

void sign_document(const Content& content, const SignerSpec& signer, const SignOutputOptions& options,
                   const std::function<void(ByteView)>& sink) {
  const Suite suite = signer.key.suite();
  const std::string type = options.econtent_type.empty() ? data_type(options.oid_style) : options.econtent_type;
  const Bytes digest = digest_content(content, suite_info(suite).digest);
  SignedDataParts p;
  p.style = options.oid_style;
  p.digest_algorithms = {digest_algorithm_for(suite)};
  p.econtent_type = type;
  if (options.attached) {
    p.content = content.source.get();
    p.content_length = content.source->size();
  }
  if (options.include_chain) p.certificates = certificate_ders(signer);
  p.signer_infos = {build_signer_info(signer, cades_attributes(signer, type, digest), options.oid_style)};
  write_signed_data(p, sink);
}

void cosign(const SignedDataView& existing, const std::optional<Content>& content, const SignerSpec& signer,
            const std::function<void(ByteView)>& sink) {
  const auto attached = existing.attached_content();
  const std::optional<Content>& doc = attached ? attached : content;
  if (!doc) throw UsageError("the signature is detached: give the signed document to co-sign it");
  const Suite suite = signer.key.suite();
  const Bytes digest = digest_content(*doc, suite_info(suite).digest);
  // A co-signer must sign the document the others signed: every existing signer, whatever its
  // digest algorithm, must still verify over the document given.
  CheckOptions check_options;
  check_options.sign_options = signer.options;
  const auto checks = check_signatures(existing, doc, check_options);
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const auto& c = checks[i];
    if (c.status == SignerCheck::Status::hash_failure || c.status == SignerCheck::Status::signature_failure)
      throw UsageError("the document given is not the one signer " + std::to_string(i + 1) +
                       " signed (its signature does not verify over it: " + c.message + ")");
    if (c.status == SignerCheck::Status::format_error)
      throw FormatError("signer " + std::to_string(i + 1) + " of the existing signature is malformed: " + c.message);
    if (c.status != SignerCheck::Status::valid && c.status != SignerCheck::Status::signing_cert_mismatch)
      throw UsageError("signer " + std::to_string(i + 1) + " of the existing signature cannot be checked against the "
                       "document (" + c.message + "); refusing to co-sign what may be another document");
  }
  SignedDataParts p = parts_of(existing);
  append_unique(p.digest_algorithms, {digest_algorithm_for(suite)});
  append_unique(p.certificates, certificate_ders(signer));
  p.signer_infos.push_back(build_signer_info(signer, cades_attributes(signer, existing.econtent_type(), digest),
                                             existing.oid_style()));
  rewrite(std::move(p), existing, sink);
}

void countersign(const SignedDataView& existing, std::size_t index, const SignerSpec& signer,
                 const std::function<void(ByteView)>& sink) {
  if (index >= existing.signers().size())
    throw UsageError("there is no signer " + std::to_string(index + 1) + " (the file has " +
                     std::to_string(existing.signers().size()) + ")");
  const SignerInfoView& target = existing.signers()[index];
  const Suite suite = signer.key.suite();
  // RFC 5652 §11.4: the countersignature signs the target's signature value; no contentType.
  std::vector<Bytes> attrs{message_digest_attribute(digest_bytes(suite_info(suite).digest, target.signature)),
                           signing_time_attribute(signer.signing_time),
                           signing_certificate_v2_attribute(signer.certificate, suite)};
  if (signer.commitment != Commitment::none) attrs.push_back(commitment_attribute(signer.commitment));
  const Bytes counter = build_signer_info(signer, std::move(attrs), existing.oid_style());

  SignedDataParts p = parts_of(existing);
  p.signer_infos[index] = with_unsigned_value(target, oid::countersignature, counter);
  append_unique(p.certificates, certificate_ders(signer));
  rewrite(std::move(p), existing, sink);
}

void add_unsigned_attribute(const SignedDataView& existing, std::size_t index, std::string_view attr_oid,
                            const std::vector<Bytes>& values, const std::function<void(ByteView)>& sink) {
  if (index >= existing.signers().size()) throw UsageError("there is no signer " + std::to_string(index + 1));
  SignedDataParts p = parts_of(existing);
  Bytes info = existing.signers()[index].der;
  for (const auto& v : values) info = with_unsigned_value(parse_signer_info(info), attr_oid, v);
  p.signer_infos[index] = info;
  rewrite(std::move(p), existing, sink);
}

void add_unsigned_attributes(const SignedDataView& existing, std::size_t index,
                             const std::vector<std::pair<std::string, Bytes>>& attributes,
                             const std::function<void(ByteView)>& sink) {
  if (index >= existing.signers().size()) throw UsageError("there is no signer " + std::to_string(index + 1));
  SignedDataParts p = parts_of(existing);
  Bytes info = existing.signers()[index].der;
  for (const auto& [oid, value] : attributes) info = with_unsigned_value(parse_signer_info(info), oid, value);
  p.signer_infos[index] = info;
  rewrite(std::move(p), existing, sink);
}

void add_validation_data(const SignedDataView& existing, const std::vector<Bytes>& certificates,
                         const std::vector<Bytes>& crls, const std::vector<Bytes>& ocsp_responses,
                         const std::function<void(ByteView)>& sink) {
  SignedDataParts p = parts_of(existing);
  append_unique(p.certificates, views_of(certificates));
  append_unique(p.crls, crls);
  // RFC 5940: an OCSP response travels as OtherRevocationInfoFormat id-ri-ocsp-response.
  for (const auto& r : ocsp_responses)
    append_unique(p.crls, {der_tlv(0xa1, concat(oid_der("1.3.6.1.5.5.7.16.2"), r))});
  rewrite(std::move(p), existing, sink);
}

}  // namespace sign
