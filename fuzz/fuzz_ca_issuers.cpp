// What a caIssuers URL answers (a signer chooses the URL): DER, PEM, or a PKCS#7 bundle of
// certificates, possibly BER; unusable entries are skipped, never a crash.
#include "fuzz_common.hpp"

#include "pki/certificate_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] {
    std::vector<std::string> skipped;
    for (const auto& c : sign::detail::certificates_in_bytes(fuzzing::bytes(data, size), "fuzz", skipped)) {
      (void)c.subject().to_string();
      (void)c.ca_issuers_urls();
    }
  });
  return 0;
}
