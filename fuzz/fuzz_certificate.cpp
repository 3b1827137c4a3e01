// X.509 certificates: parse, then touch everything a validator reads.
#include <sign/pki.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] {
    const auto c = sign::Certificate::from_der(fuzzing::bytes(data, size));
    (void)c.subject().to_string();
    (void)c.issuer().to_string();
    (void)c.fingerprint();
    (void)c.policies();
    (void)c.crl_urls();
    (void)c.ocsp_urls();
    (void)c.verify_signature(c.public_key());
    (void)c.pem();
  });
  return 0;
}
