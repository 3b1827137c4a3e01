// Making signatures: a new SignedData, a parallel co-signature, a countersignature.
#include "cms/cms_internal.hpp"

#include <sign/error.hpp>

namespace sign {

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

std::vector<Bytes> certificate_ders(const SignerSpec& signer) {
  std::vector<Bytes> out{signer.certificate.der()};
  for (const auto& c : signer.chain) append_unique(out, {c.der()});
  return out;
}

Bytes digest_content(const Content& content, DigestAlgorithm alg) {
  Digest d(alg);
  content.source->stream_range(0, content.source->size(), [&](ByteView chunk) { d.update(chunk); });
  return d.finish();
}

// The parts of an existing SignedData, ready to be written again with changes.
SignedDataParts parts_of(const SignedDataView& sd) {
  SignedDataParts p;
  p.style = sd.oid_style();
  p.version = sd.version();
  p.digest_algorithms = sd.digest_algorithm_ders();
  p.econtent_type = sd.econtent_type();
  p.certificates = sd.certificate_ders();
  p.crls = sd.crl_ders();
  for (const auto& s : sd.signers()) p.signer_infos.push_back(s.der);
  return p;
}

}  // namespace

void sign_document(const Content& content, const SignerSpec& signer, const SignOutputOptions& options,
                   const std::function<void(ByteView)>& sink) {
  const Suite suite = signer.key.suite();
  const std::string type = data_type(options.oid_style);
  const Bytes digest = digest_content(content, suite_info(suite).digest);
  SignedDataParts p;
  p.style = options.oid_style;
  p.digest_algorithms = {digest_algorithm_for(suite)};
  p.econtent_type = type;
  if (options.attached) {
    p.content = content.source.get();
    p.content_length = content.source->size();
  }
  p.certificates = certificate_ders(signer);
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
  // A co-signer must sign the document the others signed: when an existing signer used the
  // same digest, its messageDigest tells whether this is that document.
  const std::string our_digest(digest_oid(suite_info(suite).digest));
  for (const auto& s : existing.signers()) {
    const auto* md = s.signed_attr(oid::message_digest);
    if (s.digest_oid == our_digest && md && md->values.size() == 1 && md->values[0] != der_tlv(0x04, digest))
      throw UsageError("the document given is not the one already signed (its digest differs)");
  }
  SignedDataParts p = parts_of(existing);
  append_unique(p.digest_algorithms, {digest_algorithm_for(suite)});
  append_unique(p.certificates, certificate_ders(signer));
  p.signer_infos.push_back(build_signer_info(signer, cades_attributes(signer, existing.econtent_type(), digest),
                                             existing.oid_style()));
  if (attached) {
    p.content = attached->source.get();
    p.content_length = attached->source->size();
  }
  write_signed_data(p, sink);
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

  // Rebuild the target SignerInfo: everything up to the signature unchanged, the
  // countersignature added to its unsigned attributes.
  const auto src = memory_source(target.der);
  const DerNode root = read_der_node(*src, 0, src->size());
  const auto fields = der_children(*src, root);
  Bytes content;
  std::vector<Bytes> unsigned_attrs;
  for (const auto& f : fields) {
    if (f.tag != 0xa1) {
      const Bytes b = der_bytes(*src, f);
      content.insert(content.end(), b.begin(), b.end());
      continue;
    }
    for (const auto& a : target.unsigned_attrs) {
      if (a.oid == oid::countersignature) continue;
      std::vector<Bytes> values = a.values;
      unsigned_attrs.push_back(sequence({oid_der(a.oid), set_of(values)}));
    }
  }
  std::vector<Bytes> counters;
  for (const auto& a : target.unsigned_attrs)
    if (a.oid == oid::countersignature) append_unique(counters, a.values);
  counters.push_back(counter);
  unsigned_attrs.push_back(sequence({oid_der(oid::countersignature), set_of(counters)}));
  const Bytes unsigned_set = set_of(unsigned_attrs, 0xa1);
  content.insert(content.end(), unsigned_set.begin(), unsigned_set.end());

  SignedDataParts p = parts_of(existing);
  p.signer_infos[index] = der_tlv(0x30, content);
  append_unique(p.certificates, certificate_ders(signer));
  const auto attached = existing.attached_content();  // must outlive the write below
  if (attached) {
    p.content = attached->source.get();
    p.content_length = attached->source->size();
  }
  write_signed_data(p, sink);
}

}  // namespace sign
