// PKCS#10 requests, as a CA receives them.
#include <sign/pki.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] {
    const auto csr = sign::CertificateRequest::from_der(fuzzing::bytes(data, size));
    (void)csr.subject().to_string();
    (void)csr.verify_self_signature();
  });
  return 0;
}
