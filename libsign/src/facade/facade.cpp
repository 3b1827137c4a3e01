// The facade: each job as the CLI does it, in a few lines over the module APIs.
#include <sign/cms.hpp>
#include <sign/error.hpp>
#include <sign/facade.hpp>
#include <sign/io.hpp>
#include <sign/signers.hpp>
#include <sign/tsp.hpp>

#include <filesystem>

namespace sign::facade {
namespace {

SignerSpec load(const SignerRef& r) {
  const std::string pass = r.passphrase;
  const Certificate cert = Certificate::load(r.certificate);
  KeyReferenceOptions o;
  o.passphrase = [pass] { return pass; };
  o.public_key = cert.public_key();
  auto key = open_private_key(r.key, o);
  SignerSpec s{key, cert, {}, {}, Commitment::none,
               std::chrono::floor<std::chrono::seconds>(sign::now())};
  if (!r.chain.empty()) s.chain = Certificate::load_all(r.chain);
  s.options.sm2_id = r.sm2_id;
  return s;
}

Bytes stamp(Bytes p7s, const SignSettings& settings) {
  if (settings.tsa_url.empty()) return p7s;
  const auto sd = SignedDataView::parse(memory_source(p7s));
  const auto& si = sd.signers().front();
  const auto cert = sd.find_signer_certificate(si);
  const auto alg = cert ? suite_info(cert->public_key().suite()).digest : DigestAlgorithm::sha256;
  const auto token = request_time_stamp(settings.tsa_url, alg, si.signature);
  Bytes out;
  add_unsigned_attribute(sd, 0, oids::signature_time_stamp, {token.der},
                         [&](ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
  return out;
}

}  // namespace

Bytes sign_buffer(ByteView document, const SignerRef& signer, const SignSettings& settings) {
  SignOutputOptions o;
  o.attached = settings.attached;
  Bytes out;
  sign_document(Content::bytes(Bytes(document.begin(), document.end())), load(signer), o,
                [&](ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
  return stamp(std::move(out), settings);
}

void sign_file(const std::string& document, const SignerRef& signer, const std::string& signature_out,
               const SignSettings& settings) {
  const SignerSpec spec = load(signer);
  SignOutputOptions o;
  o.attached = settings.attached;
  if (settings.tsa_url.empty()) {
    AtomicFileWriter w(signature_out, FileMode::public_0644);
    sign_document(Content::file(document), spec, o, [&](ByteView c) { w.write(c); });
    w.commit();
    return;
  }
  // Level T: the time-stamp joins before anything is written.
  Bytes out;
  sign_document(Content::file(document), spec, o, [&](ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
  write_file_atomic(signature_out, stamp(std::move(out), settings), FileMode::public_0644);
}

void cosign_file(const std::string& signature, const std::string& document, const SignerRef& signer) {
  const auto sd = SignedDataView::load(signature);
  std::optional<Content> content;
  if (!sd.attached()) {
    if (document.empty()) throw UsageError(signature + " is detached: give the signed document to co-sign it");
    content = Content::file(document);
  }
  AtomicFileWriter w(signature, FileMode::public_0644);
  cosign(sd, content, load(signer), [&](ByteView c) { w.write(c); });
  w.commit();
}

Verification verify_file(const std::string& document, const std::string& signature, const VerifySettings& settings) {
  if (settings.trust.empty()) throw UsageError("a trust store is required: your own country's roots");
  const TrustStore trust = TrustStore::load(settings.trust);
  ValidationPolicy policy = !settings.policy.empty() ? ValidationPolicy::load(settings.policy)
                                                     : trust.policy.value_or(ValidationPolicy{});
  if (settings.fetch) policy.fetch_revocation = true;
  ValidateOptions options;
  if (!settings.at.empty()) options.validation_time = parse_time(settings.at);
  Verification v;
  try {
    const auto sd = SignedDataView::load(signature);
    std::optional<Content> content;
    if (!sd.attached()) {
      if (document.empty()) throw UsageError(signature + " is detached: give the signed document to verify it");
      content = Content::file(document);
    }
    v.report = validate_signed_data(sd, content, trust, policy, options);
  } catch (const FormatError& e) {
    v.report = format_failure_report(signature, e.what());
  }
  v.report.signature_file = signature;
  v.report.document = document;
  v.indication = v.report.overall();
  v.json = report_to_json(v.report);
  v.text = report_to_text(v.report);
  return v;
}

}  // namespace sign::facade
