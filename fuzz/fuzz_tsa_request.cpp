// Time-stamp requests, as the TSA receives them: parsed, and answered by a TSA made once.
#include <sign/tsp.hpp>

#include "fuzz_common.hpp"

namespace {

const sign::TimeStampAuthority& authority() {
  static const auto* tsa = [] {
    const auto key = sign::PrivateKey::generate(sign::Suite::gost256);
    sign::CertificateTemplate t;
    t.subject = sign::DistinguishedName::parse("/C=RU/CN=Fuzz TSA");
    t.public_key = key.public_key();
    t.not_before = sign::now() - std::chrono::hours(1);
    t.not_after = t.not_before + std::chrono::hours(24 * 365);
    t.key_usage = sign::kDigitalSignature;
    t.extended_key_usage = {std::string(sign::oids::eku_time_stamping)};
    t.extended_key_usage_critical = true;
    const auto cert = sign::issue_certificate(t, t.subject, {}, key);
    sign::TimeStampAuthority::Config c{
        .certificate = cert, .key = key, .next_serial = [] { return sign::random_serial(); }};
    return new sign::TimeStampAuthority(c);
  }();
  return *tsa;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] { (void)sign::TimeStampRequest::parse(fuzzing::bytes(data, size)); });
  fuzzing::guarded([&] {
    const auto reply = authority().respond(fuzzing::bytes(data, size), sign::now());
    (void)sign::TimeStampResponse::parse(reply);
  });
  return 0;
}
