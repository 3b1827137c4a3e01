// The TSA: answers requests with tokens signed in its domain's suite, and checks tokens.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/tsp.hpp>

#include "io/http.hpp"


#include <algorithm>

namespace sign {
namespace {

// PKIFailureInfo bits (RFC 3161 §2.4.2).
enum FailBit { kBadAlg = 0, kBadRequest = 2, kBadDataFormat = 5, kUnacceptedPolicy = 15, kSystemFailure = 25 };

Bytes rejection(int fail_bit, const std::string& text) {
  const int byte = fail_bit / 8;
  Bytes bits(static_cast<std::size_t>(byte + 1), 0);
  bits[static_cast<std::size_t>(byte)] = static_cast<std::uint8_t>(0x80 >> (fail_bit % 8));
  Bytes fail{static_cast<std::uint8_t>(7 - fail_bit % 8)};
  fail.insert(fail.end(), bits.begin(), bits.end());
  const Bytes status_string = der_tlv(0x30, der_tlv(0x0c, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
  return sequence({sequence({integer_der(Bytes{2}), status_string, der_tlv(0x03, fail)})});
}

}  // namespace

TimeStampAuthority::TimeStampAuthority(Config config) : config_(std::move(config)) {
  const auto eku = config_.certificate.extended_key_usage();
  if (std::find(eku.begin(), eku.end(), oids::eku_time_stamping) == eku.end())
    throw UsageError("the TSA certificate '" + config_.certificate.subject().to_string() +
                     "' lacks the timeStamping extended key usage");
  if (!config_.next_serial) throw UsageError("the TSA needs a serial number source");
}

TimeStampToken TimeStampAuthority::issue(const TimeStampRequest& request, TimePoint now) const {
  DigestAlgorithm alg;
  if (!digest_from_oid(request.hash_oid, alg) || alg == DigestAlgorithm::sha1)
    throw UsageError("unsupported hash algorithm " + request.hash_oid);
  if (request.hash.size() != digest_size(alg)) throw FormatError("the message imprint has the wrong length");
  const std::string policy = request.policy.empty() ? config_.policy : request.policy;
  Bytes tst = integer_der(Bytes{1});
  for (const Bytes& part : {oid_der(policy), sequence({algorithm_der(request.hash_oid), der_tlv(0x04, request.hash)}),
                            integer_der(config_.next_serial()), generalized_time_der(now),
                            sequence({integer_der(Bytes{static_cast<std::uint8_t>(config_.accuracy_seconds)})})})
    tst.insert(tst.end(), part.begin(), part.end());
  if (!request.nonce.empty()) {
    const Bytes n = integer_der(request.nonce);
    tst.insert(tst.end(), n.begin(), n.end());
  }
  tst = der_tlv(0x30, tst);

  SignerSpec signer{config_.key, config_.certificate, config_.chain, {}, Commitment::none, now};
  SignOutputOptions options;
  options.attached = true;
  options.econtent_type = std::string(oids::tst_info);
  options.include_chain = request.cert_req;
  Bytes token;
  sign_document(Content::bytes(tst), signer, options, [&](ByteView c) { token.insert(token.end(), c.begin(), c.end()); });
  return TimeStampToken::parse(token);
}

Bytes TimeStampAuthority::respond(ByteView request_der, TimePoint now) const {
  TimeStampRequest request;
  try {
    request = TimeStampRequest::parse(request_der);
  } catch (const FormatError& e) {
    return rejection(kBadDataFormat, e.what());
  }
  if (!request.policy.empty() && request.policy != config_.policy)
    return rejection(kUnacceptedPolicy, "this TSA issues tokens under policy " + config_.policy + " only");
  DigestAlgorithm alg;
  if (!digest_from_oid(request.hash_oid, alg) || alg == DigestAlgorithm::sha1)
    return rejection(kBadAlg, "unsupported hash algorithm " + request.hash_oid);
  if (request.hash.size() != digest_size(alg)) return rejection(kBadRequest, "message imprint length mismatch");
  try {
    const TimeStampToken token = issue(request, now);
    return sequence({sequence({integer_der(Bytes{0})}), token.der});
  } catch (const Error& e) {
    return rejection(kSystemFailure, e.what());
  }
}

TimeStampToken request_time_stamp(const std::string& tsa_url, DigestAlgorithm alg, ByteView data,
                                  std::chrono::seconds timeout, const std::string& tls_ca_file) {
  const auto request = TimeStampRequest::for_digest(alg, digest_bytes(alg, data), true);
  const Bytes reply =
      detail::http_post(tsa_url, request.encode(), "application/timestamp-query", timeout, 1024 * 1024, tls_ca_file);
  TimeStampResponse resp;
  try {
    resp = TimeStampResponse::parse(reply);
  } catch (const FormatError& e) {
    throw FormatError("the TSA at " + tsa_url + " sent a malformed reply: " + e.what());
  }
  if (resp.status > 1 || !resp.token)
    throw FormatError("the TSA at " + tsa_url + " refused: " + (resp.status_text.empty() ? "no reason given" : resp.status_text));
  auto value_of = [](Bytes v) {  // INTEGER values compare without leading zeros
    while (v.size() > 1 && v[0] == 0) v.erase(v.begin());
    return v;
  };
  if (resp.token->info.hash != request.hash || value_of(resp.token->info.nonce) != value_of(request.nonce))
    throw FormatError("the TSA at " + tsa_url + " answered another request (imprint or nonce differs)");
  return *resp.token;
}

TimeStampCheck check_time_stamp(const TimeStampToken& token, ByteView imprint_source,
                                const std::vector<Certificate>& extra, const SignOptions& sign_options) {
  TimeStampCheck r;
  r.gen_time = token.info.gen_time;
  const auto sd = SignedDataView::parse(memory_source(token.der));
  if (sd.signers().size() != 1) {
    r.message = "a time-stamp token must have exactly one signer";
    return r;
  }
  CheckOptions o;
  o.extra_certificates = extra;
  o.sign_options = sign_options;
  const auto checks = check_signatures(sd, std::nullopt, o);
  const auto& c = checks[0];
  r.tsa_certificate = c.certificate;
  if (!c.ok()) {
    r.message = "time-stamp token: " + c.message;
    return r;
  }
  if (!c.signing_certificate_checked) {
    r.message = "time-stamp token does not bind the TSA certificate (no signingCertificateV2)";
    return r;
  }
  const auto eku = c.certificate->extended_key_usage();
  if (eku.size() != 1 || eku[0] != oids::eku_time_stamping) {
    r.message = "the TSA certificate's extended key usage is not exactly timeStamping";
    return r;
  }
  DigestAlgorithm alg;
  if (!digest_from_oid(token.info.hash_oid, alg) || alg == DigestAlgorithm::sha1) {
    r.message = "time-stamp token uses unsupported hash " + token.info.hash_oid;
    return r;
  }
  if (digest_bytes(alg, imprint_source) != token.info.hash) {
    r.message = "the time-stamp token stamps other data (message imprint mismatch)";
    return r;
  }
  r.ok = true;
  r.message = "time-stamp valid, issued at " + format_time(token.info.gen_time) + " by " +
              c.certificate->subject().to_string();
  return r;
}

}  // namespace sign
